// Validates an AsyncAPI document with the AsyncAPI parser (the one `asyncapi validate` uses):
// every diagnostic is printed; any error, or any warning, fails.
import { readFileSync } from 'node:fs';
import { Parser, DiagnosticSeverity } from '@asyncapi/parser';

const path = process.argv[2];
const { document, diagnostics } = await new Parser().parse(readFileSync(path, 'utf8'));
const names = ['error', 'warning', 'info', 'hint'];
for (const d of diagnostics) console.log(`${names[d.severity]} ${d.code} ${d.path.join('.')}: ${d.message}`);
const failing = diagnostics.filter((d) => d.severity <= DiagnosticSeverity.Warning);
console.log(`${path}: valid AsyncAPI ${document ? document.version() : '?'}: ${failing.length === 0 && document ? 'yes' : 'no'}`);
process.exit(document && failing.length === 0 ? 0 : 1);
