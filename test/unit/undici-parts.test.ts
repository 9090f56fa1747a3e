import {
  Agent as IndexAgent,
  buildConnector as indexBuildConnector,
  Dispatcher,
  ProxyAgent as IndexProxyAgent,
} from 'undici';
import Agent from 'undici/lib/dispatcher/agent.js';
import ProxyAgent from 'undici/lib/dispatcher/proxy-agent.js';
import buildConnector from 'undici/lib/core/connect.js';
import dispatchRequest from 'undici/lib/api/api-request.js';
import undiciApi from 'undici/lib/api/index.js';
import DispatcherBase from 'undici/lib/dispatcher/dispatcher.js';
import { describe, expect, it } from 'vitest';

// src/net/undici.ts imports undici's parts by path to keep fetch, WebSocket and mocks out of the bundle. Those
// paths are undici's file layout, not its documented API: this fails when an undici upgrade moves them.
describe('the undici parts the probe imports by path', () => {
  it('are the very classes and functions the package index exports', () => {
    expect(Agent).toBe(IndexAgent);
    expect(ProxyAgent).toBe(IndexProxyAgent);
    expect(buildConnector).toBe(indexBuildConnector);
    expect(DispatcherBase).toBe(Dispatcher);
  });

  it('include the request and connect methods the index attaches to every dispatcher', () => {
    expect(undiciApi.request).toBe(dispatchRequest);
    expect((Dispatcher.prototype as unknown as Record<string, unknown>).request).toBe(dispatchRequest);
    expect((Dispatcher.prototype as unknown as Record<string, unknown>).connect).toBe(undiciApi.connect);
  });
});
