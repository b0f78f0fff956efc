import { describe, expect, it } from 'vitest';
import { leakedSecrets, secretsGiven } from './secrets.ts';

describe('leakedSecrets', () => {
  const pem = '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49\n-----END PRIVATE KEY-----';

  it('finds a secret, or one line of it, anywhere but in ::add-mask:: lines', () => {
    const masked = `::add-mask::${pem.replaceAll('\n', '%0A')}\n::add-mask::MIGHAgEAMBMGByqGSM49AgEGCCqGSM49\nsigned 3 files`;
    expect(leakedSecrets({ stdout: masked, stderr: '' }, [pem])).toEqual([]);
    expect(leakedSecrets({ stdout: masked, stderr: 'bad key MIGHAgEAMBMGByqGSM49AgEGCCqGSM49' }, [pem])).toHaveLength(1);
    expect(leakedSecrets('::error::token tok-0123456789 refused', ['tok-0123456789', undefined])).toHaveLength(1);
  });

  it('takes the secret inputs and credential variables a run was given, nothing else', () => {
    expect(
      secretsGiven({
        inputs: { files: 'rel/**', 'private-key': pem, 'github-token': 'ghp_x' },
        env: { AWS_SECRET_ACCESS_KEY: 'wJalr', AWS_REGION: 'us-east-1' },
      }),
    ).toEqual([pem, 'ghp_x', 'wJalr']);
  });
});
