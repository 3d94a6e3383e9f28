/**
 * One JACK client through a lost server (tests/support/one_client_loss_child.ts), run in a
 * `deno test` process of its own: killing a server under its clients leaves libjack's shared
 * memory mapped in their process, and every later JACK client there fails ("Cannot open shm
 * segment"), which broke the JACK tests after it when it ran inside the suite's process.
 */
import assert from "node:assert/strict";
import { jackTest } from "./support/jack.ts";

const name =
  "One JACK client: a killed and restarted server takes midi_in, midi_out and mtc_out along; close() after a second kill returns";
jackTest(name, ["jack_lsp", "cc"], async () => {
  const child = new URL("./support/one_client_loss_child.ts", import.meta.url).pathname;
  const lock = new URL("./deno.lock", import.meta.url).pathname;
  const run = await new Deno.Command(Deno.execPath(), {
    args: ["test", "-A", "--no-check=remote", `--lock=${lock}`, child],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const output = new TextDecoder().decode(run.stdout) + new TextDecoder().decode(run.stderr);
  console.log(
    output.split("\n").filter((line) => /ok|FAILED|passed|failed/.test(line)).join("\n"),
  );
  assert.equal(run.code, 0, output);
  assert.match(output, /1 passed/, output);
}, { sanitize: true });
