export * from './sapora-error';
export * from './control/control-connection';
export * from './session';
export * from './chat-client';
export { DeliveryStatus, ErrorCode } from '@sapora/protocol';
export type { ChatDelivery, ChatMessage, Participant } from '@sapora/protocol';
export * from './audio/audio-client';
export * from './audio/tone-source';
