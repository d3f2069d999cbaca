export * from './constants/ports';
export * from './constants/timing';
export * from './constants/limits';
export * from './constants/media';
export * from './frame/message-type';
export * from './frame/frame-errors';
export * from './frame/frame-codec';
export * from './messages/control-messages';
