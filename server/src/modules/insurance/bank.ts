import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { canonicalJson } from '../../lib/canonical-json.js';
import { yuan } from './money.js';

/**
 * The bank-gateway adapter: how contributions reach the bureau's collection account.
 * A real bank (a later adapter) and the simulated one here do the same three things:
 * take a payment for a bill, call the bureau back (signed), and produce the day's
 * statement file for reconciliation.
 */

export interface PaymentCallback {
  bankCode: string;
  txRef: string;
  billNo: string;
  amountFen: number;
  paidOn: string;
}

export interface BankGateway {
  readonly bankCode: string;
  /** The payer pays `amountFen` on a bill; the bank calls back. Returns the bank's reference. */
  pay(billNo: string, amountFen: number, paidOn: string): Promise<string>;
  /** The statement of one day as CSV (tx_ref, bill_no, amount in yuan, paid_on). */
  statementCsv(date: string): string;
}

/** The callback's signature header: HMAC-SHA256 (hex) over the canonical JSON of the body. */
export const SIGNATURE_HEADER = 'x-bank-signature';

export function signCallback(secret: string, body: PaymentCallback): string {
  return createHmac('sha256', secret).update(canonicalJson(body as unknown as Record<string, unknown>)).digest('hex');
}

export function verifyCallback(secret: string, body: PaymentCallback, signature: string | undefined): boolean {
  if (!signature || !/^[0-9a-f]{64}$/i.test(signature)) return false;
  const expected = Buffer.from(signCallback(secret, body), 'hex');
  return timingSafeEqual(expected, Buffer.from(signature, 'hex'));
}

/**
 * The shared secret of a bank's callbacks. WARNING: the development default only
 * suits the simulated bank; a deployment sets BANK_CALLBACK_SECRET_<CODE> per bank.
 */
export function bankSecret(bankCode: string): string | undefined {
  const specific = process.env[`BANK_CALLBACK_SECRET_${bankCode.toUpperCase()}`];
  if (specific) return specific;
  if (bankCode === SimulatedBank.CODE) return process.env.BANK_CALLBACK_SECRET ?? 'tongban-simulated-bank-development-secret';
  return undefined;
}

interface LedgerLine {
  txRef: string;
  billNo: string;
  amountFen: number;
  paidOn: string;
}

/**
 * A bank in memory: records each payment in its own ledger and delivers a signed
 * callback through `deliver` (an HTTP POST to the bureau, or a direct call in tests).
 * Tests can make it deliver twice, lose a callback, or misstate an amount on its
 * statement, to exercise idempotency and reconciliation.
 */
export class SimulatedBank implements BankGateway {
  static readonly CODE = 'SIMBANK';
  readonly bankCode: string;
  readonly ledger: LedgerLine[] = [];
  private seq = 0;

  constructor(
    private readonly deliver: (body: PaymentCallback, signature: string) => Promise<void>,
    private readonly secret: string = bankSecret(SimulatedBank.CODE)!,
    bankCode: string = SimulatedBank.CODE,
  ) {
    this.bankCode = bankCode;
  }

  private nextRef(paidOn: string): string {
    this.seq++;
    return `${this.bankCode}${paidOn.replaceAll('-', '')}${String(this.seq).padStart(6, '0')}${randomBytes(2).toString('hex')}`;
  }

  async pay(billNo: string, amountFen: number, paidOn: string, opts: { callback?: boolean } = {}): Promise<string> {
    const line = { txRef: this.nextRef(paidOn), billNo, amountFen, paidOn };
    this.ledger.push(line);
    if (opts.callback !== false) await this.callback(line.txRef);
    return line.txRef;
  }

  /** (Re)sends the callback of a ledger line: banks retry, so the bureau must post once. */
  async callback(txRef: string): Promise<void> {
    const line = this.ledger.find((l) => l.txRef === txRef);
    if (!line) throw new Error(`no such transaction ${txRef}`);
    const body: PaymentCallback = { bankCode: this.bankCode, txRef: line.txRef, billNo: line.billNo, amountFen: line.amountFen, paidOn: line.paidOn };
    await this.deliver(body, signCallback(this.secret, body));
  }

  statementCsv(date: string, tamper?: (lines: LedgerLine[]) => LedgerLine[]): string {
    let lines = this.ledger.filter((l) => l.paidOn === date).map((l) => ({ ...l }));
    if (tamper) lines = tamper(lines);
    return ['tx_ref,bill_no,amount,paid_on', ...lines.map((l) => `${l.txRef},${l.billNo},${yuan(l.amountFen)},${l.paidOn}`)].join('\n') + '\n';
  }
}
