export * from './audio/jitter-buffer';
export * from './audio/mix-clock';
export * from './audio/room-mixer';
export * from './audio/spectrum';
export * from './audio/tone';
export * from './stats/latency-window';
