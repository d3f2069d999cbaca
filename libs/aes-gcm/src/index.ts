export * from './aes-gcm';
