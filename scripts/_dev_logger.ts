/** A logger that writes every line to two loggers (the log file and the terminal). */
import type { LogFields, Logger } from "@quicksilver/core";

export function teeLogger(a: Logger, b: Logger): Logger {
  return {
    debug: (message: string, fields?: LogFields) => {
      a.debug(message, fields);
      b.debug(message, fields);
    },
    info: (message: string, fields?: LogFields) => {
      a.info(message, fields);
      b.info(message, fields);
    },
    warn: (message: string, fields?: LogFields) => {
      a.warn(message, fields);
      b.warn(message, fields);
    },
    error: (message: string, fields?: LogFields) => {
      a.error(message, fields);
      b.error(message, fields);
    },
    child: (fields: LogFields) => teeLogger(a.child(fields), b.child(fields)),
  };
}
