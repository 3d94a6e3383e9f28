/**
 * Wrapping a line of the screen that must never be cut (a message, an error naming a file and
 * how to fix it) onto as many lines as it takes.
 *
 * @module
 */

/** `text` broken at spaces into lines of at most `width` (a word longer than that is split),
 * the lines after the first indented by 2. A text that fits stays as it is; nothing is cut. */
export function wrapText(text: string, width: number): string[] {
  const lines: string[] = [];
  let rest = text;
  let prefix = "";
  while (rest) {
    const room = Math.max(1, width - prefix.length);
    if (rest.length <= room) {
      lines.push(prefix + rest);
      break;
    }
    const indent = rest.search(/\S/);
    let cut = rest.lastIndexOf(" ", room);
    if (cut <= indent) cut = room; // one word longer than the line: split it
    lines.push(prefix + rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
    prefix = "  ";
  }
  return lines.length ? lines : [""];
}
