import { ChatDelivery, ChatMessage, Participant } from '@sapora/protocol';
import { JoinInfo, Session, SessionOptions } from './session';

/**
 * The seed's chat API in TypeScript: connect, send to everyone or to one person, listen for
 * the participant list and messages, disconnect. A thin layer over Session.
 */
export class ChatClient {
  readonly session: Session;

  constructor(options: SessionOptions) {
    this.session = new Session(options);
  }

  connect(): Promise<JoinInfo> {
    return this.session.connect();
  }

  disconnect(): Promise<void> {
    return this.session.leave();
  }

  /** Sends to "all" by default, or to a username (any letter case). */
  send(text: string, to = 'all'): Promise<ChatDelivery> {
    return this.session.sendChat(to, text);
  }

  /** Called with the full list on every change; returns a function that stops it. */
  onParticipants(callback: (participants: Participant[]) => void): () => void {
    this.session.on('participants', callback);
    return () => this.session.off('participants', callback);
  }

  /** Called for every message this participant receives, its own included. */
  onMessage(callback: (message: ChatMessage) => void): () => void {
    this.session.on('chat', callback);
    return () => this.session.off('chat', callback);
  }

  get participants(): Participant[] {
    return this.session.participants;
  }

  get history(): ChatMessage[] {
    return this.session.history;
  }
}
