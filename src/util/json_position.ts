/**
 * Where a JSON text stops being JSON, as line and column: V8 says so for most syntax errors
 * ("... at position 9 (line 1 column 10)") but not for an unexpected token or a text that
 * ends too early, so every manifest, setlist and settings error can name the place.
 *
 * @module
 */

/** The offset of the first character that is not valid JSON, or -1 for a valid text. */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const fail = (): never => {
    throw i;
  };
  const space = () => {
    while (i < text.length && " \t\n\r".includes(text[i])) i++;
  };
  const string = () => {
    i++; // the opening quote
    while (i < text.length) {
      const char = text[i];
      if (char === '"') {
        i++;
        return;
      }
      if (char === "\\") i++;
      else if (char < " ") fail();
      i++;
    }
    fail();
  };
  const number = () => {
    const match = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    match.lastIndex = i;
    if (!match.exec(text)) fail();
    i = match.lastIndex;
  };
  const value = (): void => {
    space();
    const char = text[i];
    if (char === "{" || char === "[") {
      const close = char === "{" ? "}" : "]";
      i++;
      space();
      if (text[i] === close) {
        i++;
        return;
      }
      while (true) {
        if (char === "{") {
          space();
          if (text[i] !== '"') fail();
          string();
          space();
          if (text[i] !== ":") fail();
          i++;
        }
        value();
        space();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === close) {
          i++;
          return;
        }
        fail();
      }
    }
    if (char === '"') return string();
    if (char === "-" || (char >= "0" && char <= "9")) return number();
    for (const word of ["true", "false", "null"]) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return;
      }
    }
    fail();
  };
  try {
    value();
    space();
    if (i < text.length) fail();
    return -1;
  } catch (at) {
    if (typeof at === "number") return at;
    throw at;
  }
}

/** "line L, column C" (from 1) of a character offset. */
export function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split("\n");
  return `line ${before.length}, column ${before[before.length - 1].length + 1}`;
}

/** The parser's message with the line and column added when it does not give them. */
export function describeJsonError(text: string, error: unknown): string {
  const detail = error instanceof Error ? error.message : String(error);
  if (/line \d+/.test(detail)) return detail;
  const offset = jsonErrorOffset(text);
  return offset < 0 ? detail : `${detail} (${lineAndColumn(text, offset)})`;
}
