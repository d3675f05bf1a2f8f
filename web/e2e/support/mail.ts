import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from '@playwright/test';

/** A message the SMTP sink stored, its body decoded (quoted-printable, base64 or as sent). */
export interface Mail {
  to: string;
  subject: string;
  body: string;
}

function header(head: string, name: string): string {
  const line = head.split('\n').find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line ? line.slice(name.length + 1).trim() : '';
}

function decode(head: string, body: string): string {
  const encoding = header(head, 'Content-Transfer-Encoding').toLowerCase();
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') {
    const joined = body.replace(/=\n/g, '');
    const bytes: number[] = [];
    for (let i = 0; i < joined.length; i++) {
      const hex = joined.slice(i + 1, i + 3);
      if (joined[i] === '=' && /^[0-9A-F]{2}$/i.test(hex)) {
        bytes.push(parseInt(hex, 16));
        i += 2;
      } else {
        bytes.push(...Buffer.from(joined.charAt(i), 'utf8'));
      }
    }
    return Buffer.from(bytes).toString('utf8');
  }
  return body;
}

/** Every message in the sink's Maildir (`E2E_MAILDIR`), in arrival order. */
export function mails(): Mail[] {
  const dir = join(process.env.E2E_MAILDIR ?? '', 'new');
  let files: string[];
  try {
    files = readdirSync(dir).sort();
  } catch {
    return [];
  }
  return files.map((file) => {
    const raw = readFileSync(join(dir, file), 'utf8').replace(/\r\n/g, '\n');
    const at = raw.indexOf('\n\n');
    const head = raw.slice(0, at);
    return { to: header(head, 'To'), subject: header(head, 'Subject'), body: decode(head, raw.slice(at + 2)) };
  });
}

/** Waits for a mail to `to` beyond the first `skip` to that address, and returns it. */
export async function mailTo(to: string, skip = 0): Promise<Mail> {
  let found: Mail | undefined;
  await expect
    .poll(
      () => {
        found = mails().filter((m) => m.to === to)[skip];
        return found !== undefined;
      },
      { timeout: 30_000 },
    )
    .toBe(true);
  if (!found) throw new Error(`no mail to ${to}`);
  return found;
}

/** The reset link of a mail. */
export function resetLink(mail: Mail): string {
  const match = /https?:\/\/\S+\/reset-password#token=[A-Za-z0-9_-]+/.exec(mail.body);
  if (!match) throw new Error(`no reset link in ${mail.body}`);
  return match[0];
}
