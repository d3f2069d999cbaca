export * from './config/load-config';
export * from './config/common-config';
export * from './logging/logger';
export * from './logging/nest-pino-logger';
export * from './tcp/framed-connection';
export * from './tcp/framed-tcp-server';
export * from './lifecycle/run-service';
export * from './udp/udp-endpoint';
