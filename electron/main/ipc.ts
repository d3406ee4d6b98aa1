import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { EVENT_CHANNEL, REQUEST_NAMES, requestChannel } from '../../contract/bridge.js';
import type { AppEvent, Result } from '../../contract/ipc.js';
import type { Dispatch } from './dispatch.js';
import { isTrustedSender } from './security.js';

/**
 * The typed IPC binding: one `ipcMain.handle` per contract request, nowhere else (lint bans raw ipcMain use).
 * Each handler checks that the sender is the top frame of our file:// renderer, then runs the dispatcher
 * (zod-validated input → EnginePort/shell → Result). Nothing throws across IPC: a rejected invoke would reach
 * the renderer as an opaque Error, so failures travel as `{ ok: false, error }`.
 */
export function bindIpc(
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>,
  dispatch: Dispatch,
  indexUrl: string,
): () => void {
  for (const name of REQUEST_NAMES) {
    const handler = async (event: IpcMainInvokeEvent, input: unknown): Promise<Result<unknown>> => {
      if (!isTrustedSender(event.senderFrame, indexUrl)) {
        return {
          ok: false,
          error: { kind: 'permission-denied', message: 'request from an untrusted page refused' },
        };
      }
      return dispatch(name, input);
    };
    // eslint-disable-next-line no-restricted-syntax -- this is the typed binding the rule points to
    ipcMain.handle(requestChannel(name), handler);
  }
  return () => {
    for (const name of REQUEST_NAMES) ipcMain.removeHandler(requestChannel(name));
  };
}

/** Structural subset of WebContents for pushing events. */
export interface EventSink {
  isDestroyed(): boolean;
  send(channel: string, payload: unknown): void;
}

/** Pushes an event to the renderer if its window still exists. */
export function pushEvent(sink: EventSink | undefined, event: AppEvent): void {
  if (sink && !sink.isDestroyed()) sink.send(EVENT_CHANNEL, event);
}
