import { ChatDelivery, ChatMessage, Participant } from '@sapora/protocol';
import { JoinInfo, Session, SessionOptions } from './session';

/**
 * The seed's chat API in TypeScript: connect, send to everyone or to one person, listen for
 * the participant list and messages, disconnect. A thin layer over Session.
 */
export class ChatClient {
  /** The session underneath, for everything the chat API does not cover. */
  readonly session: Session;

  constructor(options: SessionOptions) {
    this.session = new Session(options);
  }

  /** Joins the meeting; rejects with a SaporaError saying why when refused. */
  connect(): Promise<JoinInfo> {
    return this.session.connect();
  }

  /** Leaves the meeting. */
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

  /** Everyone in the room now, in order of joining. */
  get participants(): Participant[] {
    return this.session.participants;
  }

  /** The room's recent chat as it was when this client joined, oldest first. */
  get history(): ChatMessage[] {
    return this.session.history;
  }
}
