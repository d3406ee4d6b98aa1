import type { ReactNode } from 'react';

export interface RadioOption<T extends string> {
  value: T;
  label: string;
  /** Shown under the option. */
  hint?: ReactNode;
}

/** A labelled group of radio buttons (fieldset + legend), keyboard reachable as the browser provides. */
export function RadioGroup<T extends string>(props: {
  legend: string;
  name: string;
  value: T;
  options: readonly RadioOption<T>[];
  onChange: (value: T) => void;
}) {
  return (
    <fieldset>
      <legend>{props.legend}</legend>
      {props.options.map((o) => (
        <span key={o.value}>
          <label>
            <input
              type="radio"
              name={props.name}
              checked={props.value === o.value}
              onChange={() => props.onChange(o.value)}
            />{' '}
            {o.label}
          </label>
          {o.hint ? <p className="hint">{o.hint}</p> : null}
        </span>
      ))}
    </fieldset>
  );
}
