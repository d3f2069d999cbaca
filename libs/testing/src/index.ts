export * from './free-port';
export * from './redis-server';
export * from './wait-for';
export * from './in-process-service';
export * from './node-process';
export * from './lossy-udp-proxy';
export * from './service-stack';
export * from './cutting-tcp-proxy';
