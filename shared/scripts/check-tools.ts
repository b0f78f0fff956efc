/** `npm test` runs this first: it stops at once, with one message, when a program the suite runs is missing. */
import { missingTools, missingToolsMessage, readTools } from './tools.ts';

const missing = missingTools(readTools());
if (missing.length > 0) {
  process.stderr.write(`${missingToolsMessage(missing)}\n`);
  process.exit(1);
}
