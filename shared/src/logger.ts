/**
 * One logger, injected everywhere: JSON lines with a level filter. Library code never writes to
 * the console itself; it gets a {@link Logger} from whoever starts it. Runs in workerd and Node.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line, e.g. `{ requestId }`. */
  child(fields: LogFields): Logger;
}

export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

export interface LoggerOptions {
  /** Lines below this level are dropped. @default 'info' */
  level?: LogLevel;
  /** Added to every line, e.g. `{ service: 'gpu-service' }`. */
  fields?: LogFields;
  /**
   * Where each line goes. @default the platform console (stdout for debug and info, stderr for
   * warn and error in Node; the worker's log stream in workerd)
   */
  write?: (line: string, level: LogLevel) => void;
  /** Clock for the `time` field. @default () => new Date() */
  now?: () => Date;
}

/** Whether `value` names a log level. */
export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && (LOG_LEVELS as readonly string[]).includes(value);
}

/**
 * Each level goes to the console method of its name. Node sends debug and info to stdout, warn
 * and error to stderr; wrangler shows each at its own level (console.log would count as its
 * `log` level, hidden under `--log-level info`, and console.error would mark a warning as an
 * error).
 */
function consoleWrite(line: string, level: LogLevel): void {
  console[level](line);
}

/** Errors become `{ name, message, code?, stack }`; everything else is kept as is. */
function serialise(value: unknown): unknown {
  if (!(value instanceof Error)) return value;
  const code = (value as { code?: unknown }).code;
  const base = { name: value.name, message: value.message };
  return { ...base, ...(code ? { code } : {}), stack: value.stack };
}

/**
 * Creates a JSON-lines logger.
 *
 * @example
 * const logger = createLogger({ level: 'debug', fields: { service: 'gpu-service' } });
 * logger.info('listening', { url: 'http://127.0.0.1:8790' });
 * // {"time":"2026-12-04T16:20:00.000Z","level":"info","msg":"listening",
 * //  "service":"gpu-service","url":"http://127.0.0.1:8790"}
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const { level = 'info', fields = {}, write = consoleWrite, now = () => new Date() } = options;
  const threshold = LOG_LEVELS.indexOf(level);

  const log = (at: LogLevel, msg: string, extra?: LogFields) => {
    if (LOG_LEVELS.indexOf(at) < threshold) return;
    const line: LogFields = { time: now().toISOString(), level: at, msg, ...fields };
    for (const [key, value] of Object.entries(extra ?? {})) line[key] = serialise(value);
    write(JSON.stringify(line), at);
  };

  return {
    debug: (msg, extra) => log('debug', msg, extra),
    info: (msg, extra) => log('info', msg, extra),
    warn: (msg, extra) => log('warn', msg, extra),
    error: (msg, extra) => log('error', msg, extra),
    child: (more) => createLogger({ level, fields: { ...fields, ...more }, write, now }),
  };
}

/** A logger that drops everything (for tests and tools that want silence). */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child: () => silentLogger,
};
