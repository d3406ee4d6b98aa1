import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { EVENT_CHANNEL, createApi, requestChannel, transportFailure } from '../../contract/bridge.js';
import type { Api as ContractApi, AppEvent, Result } from '../../contract/ipc.js';

/**
 * The bridge: `window.api` with one named method per contract request plus `onEvent`. ipcRenderer and the
 * IpcRendererEvent never reach the page; `onEvent` returns an unsubscribe function (an AbortSignal cannot cross
 * contextBridge, so the renderer's client ties its own AbortSignal to that function).
 */
export const api = createApi({
  async invoke(name, input): Promise<Result<unknown>> {
    try {
      return (await ipcRenderer.invoke(requestChannel(name), input)) as Result<unknown>;
    } catch (e) {
      // Only a broken channel gets here: main answers every request with a Result.
      return transportFailure(e instanceof Error ? e.message : String(e));
    }
  },
  listen(listener) {
    const forward = (_event: IpcRendererEvent, payload: AppEvent) => listener(payload);
    ipcRenderer.on(EVENT_CHANNEL, forward);
    return () => {
      ipcRenderer.removeListener(EVENT_CHANNEL, forward);
    };
  },
});

/**
 * The type of `window.api`, taken from the object above. It is the contract's `Api` (contract/ipc.ts, which the
 * renderer may import without pulling in electron); the assignment below fails to compile if they ever differ.
 */
export type Api = typeof api;
const sameAsContract: ContractApi = api satisfies Api;
void sameAsContract;

contextBridge.exposeInMainWorld('api', api);
