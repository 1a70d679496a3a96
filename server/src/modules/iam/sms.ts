import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../../db/connect.js';
import { maskPhone } from '../../lib/mask.js';

/** Sends a text message. A real gateway implements this; the development sender only records. */
export interface SmsSender {
  readonly name: string;
  send(phone: string, text: string): Promise<void>;
}

/**
 * Development sender: writes the message to the sms_messages table (the test inbox)
 * and a line to the log. The log line masks the phone; the code itself is logged
 * so a developer can sign in locally.
 */
export class LogSmsSender implements SmsSender {
  readonly name = 'log';
  constructor(
    private readonly db: Db,
    private readonly log: FastifyBaseLogger,
  ) {}
  async send(phone: string, text: string): Promise<void> {
    await this.db.insertInto('sms_messages').values({ phone, text, sender: this.name }).execute();
    this.log.info({ phone: maskPhone(phone), text }, 'sms (development sender)');
  }
}
