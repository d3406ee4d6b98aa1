import { readFileSync } from 'node:fs';

/**
 * The daily sync timer of the configuration this process serves, from the systemd unit it runs in: systemd
 * puts each service in a cgroup named after it, so `…/restray-pi-pull@laptop.service` (any restray-pi unit of
 * instance `laptop`) gives `restray-pi-sync@laptop.timer`. Undefined outside such a unit (a manual run).
 * `cgroup` is /proc/self/cgroup's text; reads it when omitted (no error: undefined when unreadable).
 */
export function syncTimerOfThisUnit(cgroup?: string): string | undefined {
  let text = cgroup;
  if (text === undefined)
    try {
      text = readFileSync('/proc/self/cgroup', 'utf8');
    } catch {
      return undefined;
    }
  const m = /\/restray-pi-[a-z]+@([^/\s]+)\.service$/m.exec(text);
  return m ? `restray-pi-sync@${m[1]}.timer` : undefined;
}
