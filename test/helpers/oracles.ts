// The code lorekeeper's pure modules follow, run as the oracle of their unit tests: public-inbox's own
// Perl (Debian's public-inbox 1.9, /usr/share/perl5/PublicInbox) and b4's own Python (Debian's b4
// 0.12), each applied to every input in one process, so a test can compare all the fixtures' cases
// at once. A test whose oracle is not installed skips that comparison, saying so.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const PUBLIC_INBOX_PERL = '/usr/share/perl5/PublicInbox/Eml.pm';
/** Debian's b4 lives in the system Python's dist-packages, which another python3 on PATH may not read. */
const SYSTEM_PYTHON = '/usr/bin/python3';
const B4_PYTHON = '/usr/lib/python3/dist-packages/b4/__init__.py';

function present(file: string, what: string): boolean {
  if (existsSync(file)) return true;
  console.warn(`skipped: ${file} is not there (${what})`);
  return false;
}

export const havePublicInboxPerl = () => present(PUBLIC_INBOX_PERL, 'apt-get install public-inbox');
export const haveB4Python = () => present(B4_PYTHON, 'apt-get install b4');

/** The inputs as lines of base64 (bytes as they are, strings as UTF-8): quick to read in any language. */
const lines = (inputs: (string | Buffer)[]) => inputs.map((x) => Buffer.from(x).toString('base64')).join('\n') + '\n';

/**
 * Perl's answer for each input: `uses` loads what `body` needs; `body` is the body of a sub that gets
 * the input's bytes in `$_[0]` and returns anything JSON can say (die inside it is an error).
 */
export function perlMap<T>(uses: string, body: string, inputs: (string | Buffer)[]): T[] {
  const script = `use strict; use warnings; use MIME::Base64; ${uses}
local $SIG{__WARN__} = sub {}; # public-inbox warns about what it cannot read, and carries on
my $json = eval { require Cpanel::JSON::XS; Cpanel::JSON::XS->new } // do { require JSON::PP; JSON::PP->new };
$json->utf8->canonical->allow_nonref;
my $each = sub { ${body} };
my @out;
while (my $line = <STDIN>) { push @out, $each->(decode_base64($line)) }
print $json->encode([@out]);`;
  return JSON.parse(execFileSync('perl', ['-e', script], { input: lines(inputs), maxBuffer: 1 << 28 }).toString());
}

/**
 * b4's answer for each input: `code` is Python defining `def each(x)`, given the input's bytes and
 * returning anything JSON can say; b4 is imported as `b4`.
 */
export function b4Map<T>(code: string, inputs: (string | Buffer)[]): T[] {
  const script = `import base64, json, sys, logging
import b4
logging.disable(logging.CRITICAL)
${code}
print(json.dumps([each(base64.b64decode(line)) for line in sys.stdin.read().splitlines()]))`;
  return JSON.parse(
    execFileSync(SYSTEM_PYTHON, ['-c', script], { input: lines(inputs), maxBuffer: 1 << 28 }).toString(),
  );
}
