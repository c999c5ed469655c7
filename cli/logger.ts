// The platform's log: readable lines on a terminal, one JSON object a line elsewhere (for a log
// collector), or as LOG_FORMAT says. Request lines and the start-up messages then read alike.
import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

export function createLogger(env: NodeJS.ProcessEnv, out: NodeJS.WriteStream = process.stdout): Logger {
  const level = env.LOG_LEVEL ?? 'info';
  const format = env.LOG_FORMAT ?? (out.isTTY ? 'pretty' : 'json');
  if (format === 'json') return pino({ level }, out);
  if (format !== 'pretty') throw new Error(`LOG_FORMAT must be "json" or "pretty", not "${format}"`);
  // A synchronous stream, not a transport thread: lines keep their order with console output.
  return pino({ level }, pretty({ destination: out, sync: true, colorize: !!out.isTTY, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' }));
}
