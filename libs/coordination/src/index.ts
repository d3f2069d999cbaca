export * from './keys/redis-keys';
export * from './redis/redis-connection';
export * from './redis/redis-shutdown';
export * from './rooms/room-records';
export * from './rooms/room-store';
export * from './chat/chat-history';
export * from './events/membership-events';
export * from './jobs/maintenance-queue';
