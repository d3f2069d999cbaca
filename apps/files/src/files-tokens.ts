/** Nest injection tokens for providers that are not classes of ours. */
export const LOGGER = Symbol('LOGGER');
export const REDIS = Symbol('REDIS');
