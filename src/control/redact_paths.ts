/**
 * File paths out of texts that leave for an unauthenticated peer (an OSC reply, a status
 * message): a stranger on the LAN learns the file's name, never the folders of this machine
 * (the user's name, the layout of the disk).
 *
 * @module
 */

/** A path at the start of a token: absolute (`/…`, `C:\…`), home (`~/…`), relative with a dot
 * (`./…`, `../…`) or a `file://` URL, up to a space or quote. A word with a slash inside it
 * ("on/off", "0/1") does not start a path, so our own texts keep their words. */
const PATH =
  /(?<=^|[\s"'`(\[=,:;])(?:file:\/\/)?(?:[A-Za-z]:[\\/]|~[\\/]|\.{1,2}[\\/]|[\\/])[^\s"'`<>|]*/g;

/** OSC addresses look like paths: ours are kept as they are. */
const OSC_ADDRESS = /^\/stemplay(?:\/|$)/;

function baseName(path: string): string {
  const parts = path.split(/[\\/]+/).filter((part) => part !== "");
  return parts.at(-1) ?? path;
}

/**
 * `text` with every file path replaced by its last part (the file's or folder's own name).
 *
 * Folders named in `knownFolders` are removed first wherever they occur, so a path with a
 * space in a folder's name ("/home/me/Sunday Songs/bass.wav") loses all of its folders too.
 *
 * @param text a message that may hold paths
 * @param knownFolders folders the text may name (e.g. a setlist's song folders)
 * @param keep words to keep as they are although they look like paths (the OSC addresses and
 *   strings a sender sent, echoed back to it)
 * @returns the text without folders
 */
export function withoutPaths(
  text: string,
  knownFolders: readonly string[] = [],
  keep: readonly string[] = [],
): string {
  let result = text;
  // A Set: a 64 KB packet holds 12,000 strings, and the reply as many paths to look up.
  const kept = new Set(keep);
  const folders = knownFolders
    .map((folder) => folder.replace(/[\\/]+$/, ""))
    .filter((folder) => /[\\/]/.test(folder))
    .sort((a, b) => b.length - a.length);
  for (const folder of folders) {
    // "folder/x" becomes "x"; the folder alone becomes its own name.
    result = result.split(folder + "/").join("").split(folder + "\\").join("");
    result = result.split(folder).join(baseName(folder));
  }
  return result.replace(
    PATH,
    (path) => OSC_ADDRESS.test(path) || kept.has(path) ? path : baseName(path),
  );
}
