/**
 * The stemplay command line: `deno run -A cli.ts play ./my-song`, or installed as `stemplay`
 * with `deno install -g -A -n stemplay cli.ts`. See docs/cli.md.
 *
 * @module
 */

import { main } from "./src/cli/main.ts";

if (import.meta.main) Deno.exit(await main(Deno.args));
