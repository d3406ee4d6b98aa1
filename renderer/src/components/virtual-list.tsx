import { useVirtualizer } from '@tanstack/react-virtual';
import { useRef, type ReactNode } from 'react';

/**
 * A windowed list: only the rows in view exist in the DOM, so 10,000 snapshots or a 100,000-entry folder
 * render and scroll fast. Rows have a fixed height (no per-row measuring during scroll).
 */
export function VirtualList<T>({
  items,
  rowHeight = 36,
  height = 420,
  label,
  renderRow,
  getKey,
}: {
  items: readonly T[];
  rowHeight?: number;
  height?: number;
  label: string;
  renderRow: (item: T, index: number) => ReactNode;
  getKey: (item: T, index: number) => string;
}) {
  const parent = useRef<HTMLDivElement>(null);
  // eslint-disable-next-line react-hooks/incompatible-library -- TanStack Virtual is meant to be used like this
  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => parent.current,
    estimateSize: () => rowHeight,
    overscan: 10,
    initialRect: { width: 800, height },
    getItemKey: (i) => getKey(items[i]!, i),
  });
  return (
    <div
      ref={parent}
      className="virtual-list"
      style={{ height, overflow: 'auto' }}
      role="region"
      aria-label={label}
      tabIndex={0}
    >
      <ul
        style={{
          height: virtualizer.getTotalSize(),
          position: 'relative',
          margin: 0,
          padding: 0,
          listStyle: 'none',
        }}
      >
        {virtualizer.getVirtualItems().map((v) => (
          <li
            key={v.key}
            style={{
              position: 'absolute',
              top: 0,
              left: 0,
              right: 0,
              height: rowHeight,
              transform: `translateY(${v.start}px)`,
            }}
          >
            {renderRow(items[v.index]!, v.index)}
          </li>
        ))}
      </ul>
    </div>
  );
}
