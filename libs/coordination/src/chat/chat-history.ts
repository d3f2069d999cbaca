import { Redis } from 'ioredis';
import { CHAT_HISTORY_LENGTH } from '@sapora/protocol';
import { RedisKeys } from '../keys/redis-keys';

/** A chat message as stored: the wire's ChatMessage plus the recipient's participant id. */
export interface StoredChatMessage {
  messageId: string;
  fromId: string;
  from: string;
  to: string;
  /** Participant id of a private message's recipient; '' for everyone. */
  toId: string;
  text: string;
  sentAtMs: number;
  private: boolean;
}

/** The last CHAT_HISTORY_LENGTH messages of each room. */
export class ChatHistory {
  readonly #redis: Redis;
  readonly #length: number;

  constructor(redis: Redis, length = CHAT_HISTORY_LENGTH) {
    this.#redis = redis;
    this.#length = length;
  }

  async append(meetingId: string, message: StoredChatMessage): Promise<void> {
    const key = RedisKeys.roomChat(meetingId);
    await this.#redis
      .multi()
      .rpush(key, JSON.stringify(message))
      .ltrim(key, -this.#length, -1)
      .exec();
  }

  /** What one participant may see, oldest first: everything public, and private messages they are an end of. */
  async visibleTo(meetingId: string, participantId: string): Promise<StoredChatMessage[]> {
    const all = await this.#redis.lrange(RedisKeys.roomChat(meetingId), 0, -1);
    return all
      .map((json) => JSON.parse(json) as StoredChatMessage)
      .filter(
        (message) =>
          !message.private || message.fromId === participantId || message.toId === participantId,
      );
  }
}
