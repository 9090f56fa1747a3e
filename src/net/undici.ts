// undici's index also loads fetch, WebSocket, caches, cookies and mocks, none of which a probe uses: 768 KiB of
// a 1 MiB bundle and ~40 ms of every start (bench/, cold start). These are the four parts we use, by path;
// undici has no "exports" map, so the paths are reachable, and undici is pinned to an exact version because
// they are its file layout rather than its documented API (test/unit/undici-parts.test.ts checks them).
import Agent from 'undici/lib/dispatcher/agent.js';
import ProxyAgent from 'undici/lib/dispatcher/proxy-agent.js';
import buildConnector from 'undici/lib/core/connect.js';
import dispatchRequest from 'undici/lib/api/api-request.js';
import undiciApi from 'undici/lib/api/index.js';
import DispatcherBase from 'undici/lib/dispatcher/dispatcher.js';

// What undici's index does on load (its line `Object.assign(Dispatcher.prototype, api)`): ProxyAgent opens
// its CONNECT tunnel through `dispatcher.connect()`, which only exists once the API methods are attached.
Object.assign(DispatcherBase.prototype, undiciApi);

export { Agent, ProxyAgent, buildConnector, dispatchRequest };
