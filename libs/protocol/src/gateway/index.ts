// The gateway's WebSocket message set. Browser-safe: apps/web imports this entry point
// ("@sapora/protocol/gateway") directly, without the rest of the library (protobufjs, Node).
export * from './gateway-messages';
export * from './gateway-binary';
export * from './host-messages';
