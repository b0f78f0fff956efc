export const id = 210;
export const ids = [210];
export const modules = {

/***/ 4210:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  BUNDLE_V03_MEDIA_TYPE: () => (/* reexport */ dist.BUNDLE_V03_MEDIA_TYPE),
  BundleRejected: () => (/* reexport */ BundleRejected),
  BundleVerifier: () => (/* reexport */ BundleVerifier),
  DEFAULT_EXCLUDE: () => (/* reexport */ sign_subjects/* DEFAULT_EXCLUDE */.lx),
  KeyFormatError: () => (/* reexport */ key_signer/* KeyFormatError */.vu),
  KeySigner: () => (/* reexport */ key_signer/* KeySigner */.iJ),
  KeylessSigner: () => (/* reexport */ KeylessSigner),
  PUBLIC_GOOD: () => (/* reexport */ services/* PUBLIC_GOOD */.wN),
  SigningError: () => (/* reexport */ errors/* SigningError */.u),
  VerificationError: () => (/* reexport */ errors/* VerificationError */.m),
  jwtClaims: () => (/* reexport */ oidc/* jwtClaims */.vE),
  outageRetry: () => (/* reexport */ services/* outageRetry */.o5),
  parseBundle: () => (/* reexport */ parseBundle),
  parsePublicKey: () => (/* reexport */ parsePublicKey),
  parseTrustedRoot: () => (/* reexport */ parseTrustedRoot),
  parseWorkflowRef: () => (/* reexport */ sign_provenance/* parseWorkflowRef */.QO),
  provenanceStatement: () => (/* reexport */ sign_provenance/* provenanceStatement */.D2),
  publicGoodTrustedRoot: () => (/* reexport */ publicGoodTrustedRoot),
  runnerToken: () => (/* reexport */ oidc/* runnerToken */.eo),
  serializeBundle: () => (/* reexport */ serializeBundle),
  signArtifacts: () => (/* reexport */ signArtifacts),
  signSummary: () => (/* reexport */ signSummary),
  staticToken: () => (/* reexport */ oidc/* staticToken */.iy),
  trustPolicy: () => (/* reexport */ trustPolicy),
  verifyArtifacts: () => (/* reexport */ verifyArtifacts),
  verifySummary: () => (/* reexport */ verifySummary)
});

// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
// EXTERNAL MODULE: ./node_modules/@sigstore/bundle/dist/index.js
var dist = __webpack_require__(1040);
// EXTERNAL MODULE: ./node_modules/@sigstore/protobuf-specs/dist/index.js
var protobuf_specs_dist = __webpack_require__(9654);
// EXTERNAL MODULE: ./node_modules/@sigstore/verify/dist/index.js
var verify_dist = __webpack_require__(4187);
;// CONCATENATED MODULE: ./.build/shared/src/sign/bundle-verifier.js
/**
 * Verifies Sigstore bundles offline with @sigstore/verify's Verifier. A message
 * signature is checked against the file as it streams by (a crypto Verify fed in
 * the same read that hashes it), so no file is held in memory; the bundle's
 * message digest must equal the file's SHA-256 (the Verifier itself compares it
 * only with a tlog entry).
 */




/** Raised with the reason a bundle does not verify. */
class BundleRejected extends Error {
    name = 'BundleRejected';
}
function withSignatureCheck(entity, verifySignature) {
    const content = entity.signature;
    const checked = {
        signature: content.signature,
        compareSignature: (s) => content.compareSignature(s),
        compareDigest: (d) => content.compareDigest(d),
        compareSignedDigest: (d) => content.compareSignedDigest(d),
        verifySignature,
    };
    return { ...entity, signature: checked };
}
function describe(err) {
    if (!(err instanceof Error))
        return String(err);
    const code = err.code;
    const cause = err.cause instanceof Error ? ` (${err.cause.message})` : '';
    return `${typeof code === 'string' ? `${code}: ` : ''}${err.message}${cause}`;
}
class BundleVerifier {
    #verifier;
    #policy;
    constructor(trust) {
        this.#verifier = new verify_dist/* Verifier */.BL(trust.material, trust.thresholds);
        this.#policy = trust.policy;
    }
    #verify(entity) {
        try {
            return this.#verifier.verify(entity, this.#policy);
        }
        catch (err) {
            throw new BundleRejected(describe(err), { cause: err });
        }
    }
    #messageEntity(bundle, sha256Hex, verifySignature) {
        if (!(0,dist.isBundleWithMessageSignature)(bundle))
            throw new BundleRejected('the bundle holds no message signature');
        const { messageDigest } = bundle.content.messageSignature;
        if (messageDigest.algorithm !== protobuf_specs_dist.HashAlgorithm.SHA2_256)
            throw new BundleRejected('the bundle digest is not SHA-256');
        if (Buffer.from(messageDigest.digest).toString('hex') !== sha256Hex)
            throw new BundleRejected('the bundle is for different content (digest mismatch)');
        let entity;
        try {
            entity = (0,verify_dist/* toSignedEntity */.DC)(bundle);
        }
        catch (err) {
            throw new BundleRejected(describe(err), { cause: err });
        }
        return withSignatureCheck(entity, verifySignature);
    }
    /**
     * Starts checking a message-signature bundle: feed the file through `sink`,
     * then call `finish` with the file's SHA-256.
     */
    begin(bundle) {
        const check = (0,external_node_crypto_.createVerify)('sha256');
        return {
            sink: { update: (chunk) => check.update(chunk) },
            finish: (sha256Hex) => {
                let result;
                const signature = (0,dist.isBundleWithMessageSignature)(bundle) ? bundle.content.messageSignature.signature : Buffer.alloc(0);
                const entity = this.#messageEntity(bundle, sha256Hex, (key) => {
                    result ??= check.verify(key, signature);
                    return result;
                });
                return this.#verify(entity);
            },
        };
    }
    /**
     * Checks a bundle this run has just signed from the stream with `signingKey`:
     * the signature itself was made over that stream, so what is left to check is
     * the key (certificate) the bundle names, its chain, tlog entries, timestamps
     * and the policy.
     */
    checkFresh(bundle, sha256Hex, signingKey) {
        return this.#verify(this.#messageEntity(bundle, sha256Hex, (key) => key.equals(signingKey)));
    }
    /** Verifies a DSSE bundle and that its payload is exactly `payload`. */
    verifyDsse(bundle, payload, payloadType) {
        if (bundle.content.$case !== 'dsseEnvelope')
            throw new BundleRejected('the bundle holds no DSSE envelope');
        const envelope = bundle.content.dsseEnvelope;
        if (envelope.payloadType !== payloadType)
            throw new BundleRejected(`the payload type is ${envelope.payloadType}`);
        if (!Buffer.from(envelope.payload).equals(payload))
            throw new BundleRejected('the signed payload differs from the file');
        let entity;
        try {
            entity = (0,verify_dist/* toSignedEntity */.DC)(bundle);
        }
        catch (err) {
            throw new BundleRejected(describe(err), { cause: err });
        }
        return this.#verify(entity);
    }
}

;// CONCATENATED MODULE: ./.build/shared/src/sign/legacy.js
function certificatePem(der) {
    const lines = Buffer.from(der)
        .toString('base64')
        .match(/.{1,64}/g) ?? [];
    return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}
function certificateDer(pem) {
    return Buffer.from(pem.replace(/-----(BEGIN|END) CERTIFICATE-----|\s/g, ''), 'base64');
}
/** The leaf certificate of a bundle (v0.3 single certificate or v0.2 chain), if any. */
function bundleCertificate(bundle) {
    const content = bundle.verificationMaterial.content;
    if (content.$case === 'certificate')
        return content.certificate.rawBytes;
    if (content.$case === 'x509CertificateChain')
        return content.x509CertificateChain.certificates[0]?.rawBytes;
    return undefined;
}
function legacyFiles(bundle) {
    if (bundle.content.$case !== 'messageSignature')
        throw new Error('legacy signatures exist for message signatures only');
    const sig = Buffer.from(bundle.content.messageSignature.signature).toString('base64');
    const der = bundleCertificate(bundle);
    return der ? { sig, cert: Buffer.from(certificatePem(der)).toString('base64') } : { sig };
}

;// CONCATENATED MODULE: ./.build/shared/src/sign/bundles.js
/**
 * Sigstore bundles, v0.3 (`application/vnd.dev.sigstore.bundle.v0.3+json`, as
 * cosign v3 writes them): a message signature over a file's SHA-256 (signed from
 * the stream, so the library's MessageSignatureBundleBuilder, which wants the
 * whole file in memory and emits v0.2, is not used), and a DSSE envelope for
 * in-toto statements.
 */


function signingCertificate(signature) {
    return signature.key.$case === 'x509Certificate' ? certificateDer(signature.key.certificate) : undefined;
}
function keyHintOf(signature) {
    return signature.key.$case === 'publicKey' ? signature.key.hint : undefined;
}
/** An unwitnessed message-signature bundle for a file whose SHA-256 is `sha256Hex`. */
function messageBundle(sha256Hex, signature) {
    return (0,dist.toMessageSignatureBundle)({
        digest: Buffer.from(sha256Hex, 'hex'),
        signature: signature.signature,
        certificate: signingCertificate(signature),
        keyHint: keyHintOf(signature),
        certificateChain: false,
    });
}
const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
/** DSSE pre-authentication encoding: what a DSSE signature covers. */
function preAuthEncoding(payloadType, payload) {
    const type = Buffer.from(payloadType);
    return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${payload.length} `), payload]);
}
/** An unwitnessed DSSE bundle of `payload`. */
function dsseBundle(payload, payloadType, signature) {
    return (0,dist.toDSSEBundle)({
        artifact: payload,
        artifactType: payloadType,
        signature: signature.signature,
        certificate: signingCertificate(signature),
        keyHint: keyHintOf(signature),
        certificateChain: false,
    });
}
function serializeBundle(bundle) {
    return `${JSON.stringify((0,dist.bundleToJSON)(bundle))}\n`;
}
function parseBundle(text) {
    return (0,dist.bundleFromJSON)(JSON.parse(text));
}


// EXTERNAL MODULE: ./.build/shared/src/sign/errors.js
var errors = __webpack_require__(1406);
// EXTERNAL MODULE: ./.build/shared/src/sign/key-signer.js
var key_signer = __webpack_require__(4377);
// EXTERNAL MODULE: ./node_modules/@sigstore/sign/dist/index.js
var sign_dist = __webpack_require__(5179);
// EXTERNAL MODULE: ./.build/shared/src/core/retry.js
var core_retry = __webpack_require__(941);
// EXTERNAL MODULE: ./.build/shared/src/sign/services.js
var services = __webpack_require__(7705);
// EXTERNAL MODULE: ./.build/shared/src/core/errors.js
var core_errors = __webpack_require__(5116);
;// CONCATENATED MODULE: ./.build/shared/src/sign/timeout.js

/** Runs `fn`, failing with a TIMEOUT error when it takes longer than `ms`. */
async function withTimeout(ms, what, fn) {
    let timer;
    const expired = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new core_errors/* ReleaseError */.K2('TIMEOUT', `${what} took longer than ${Math.round(ms / 1000)}s`)), ms);
    });
    try {
        return await Promise.race([fn(), expired]);
    }
    finally {
        clearTimeout(timer);
    }
}

;// CONCATENATED MODULE: ./.build/shared/src/sign/keyless-signer.js
/**
 * Keyless signing: an ephemeral P-256 key certified by Fulcio for the OIDC
 * identity. One certificate serves every file of a run (Fulcio issues it for ten
 * minutes); a new one is requested when less than `renewBeforeMs` is left, so a
 * long run never signs with a certificate about to expire.
 */






class KeylessSigner {
    kind = 'keyless';
    #key = key_signer/* KeySigner */.iJ.ephemeral();
    publicKey = this.#key.publicKey;
    #fulcio;
    #options;
    #cached;
    #pending;
    constructor(options) {
        this.#options = options;
        this.#fulcio = new sign_dist/* FulcioSigner */.$o({
            identityProvider: options.identity,
            keyHolder: this.#key,
            fulcioBaseURL: options.fulcioUrl,
            retry: 0,
            timeout: options.timeoutMs,
        });
    }
    async #request() {
        const what = 'Fulcio signing certificate';
        const timeoutMs = this.#options.timeoutMs ?? 180_000;
        const { key } = await (0,core_retry/* withRetry */.bD)(() => withTimeout(timeoutMs, what, () => this.#fulcio.sign(Buffer.alloc(0))), {
            what,
            isRetryable: services/* isOutage */.uD,
            ...this.#options.retry,
        });
        if (key.$case !== 'x509Certificate')
            throw new Error('Fulcio returned no certificate');
        return { pem: key.certificate, notAfter: Date.parse(new external_node_crypto_.X509Certificate(key.certificate).validTo) };
    }
    /** The current certificate (PEM), requested once and renewed before it expires. */
    async certificate() {
        const now = (this.#options.now ?? Date.now)();
        const renewBefore = this.#options.renewBeforeMs ?? 3 * 60_000;
        if (this.#cached && this.#cached.notAfter - now >= renewBefore)
            return this.#cached.pem;
        this.#pending ??= this.#request()
            .then((certified) => {
            this.#cached = certified;
            return certified;
        })
            .finally(() => {
            this.#pending = undefined;
        });
        return (await this.#pending).pem;
    }
    async #withCertificate(signed) {
        const [certificate, { signature }] = await Promise.all([this.certificate(), signed]);
        return { signature, key: { $case: 'x509Certificate', certificate } };
    }
    sign(data) {
        return this.#withCertificate(this.#key.sign(data));
    }
    begin() {
        const inner = this.#key.begin();
        return { update: (chunk) => inner.update(chunk), finish: () => this.#withCertificate(inner.finish()) };
    }
}

// EXTERNAL MODULE: ./.build/shared/src/sign/oidc.js + 1 modules
var oidc = __webpack_require__(1136);
// EXTERNAL MODULE: ./.build/shared/src/sign/provenance.js
var sign_provenance = __webpack_require__(446);
// EXTERNAL MODULE: ./.build/shared/src/core/summary.js
var core_summary = __webpack_require__(7495);
;// CONCATENATED MODULE: ./.build/shared/src/sign/report.js
/** The job summary and the outputs of a sign or verify run. */

function signSummary(result) {
    const counts = { signed: 0, unchanged: 0, planned: 0 };
    for (const f of result.files)
        counts[f.status]++;
    const summary = new core_summary/* Summary */.B().heading(result.dryRun ? 'sign-artifacts (dry run: nothing written)' : 'sign-artifacts');
    summary.facts({
        files: result.files.length,
        signed: counts.signed,
        'unchanged (bundle already verified)': counts.unchanged,
        verified: result.checked ? result.verified : 'not checked (no trusted root for this instance)',
        checksums: result.checksums ?? 'off',
        provenance: result.provenance ? `${result.provenance} (${result.provenanceStatus})` : 'off',
    });
    if (!result.dryRun && counts.signed === 0 && result.provenanceStatus !== 'signed')
        summary.paragraph('Every file already had a bundle that verifies: nothing was signed again.');
    summary.table(['file', 'size', 'sha256', 'status', 'bundle'], result.files.map((f) => [f.path, result.dryRun ? '' : (0,core_summary/* formatBytes */.z)(f.size), f.sha256.slice(0, 16), f.status, f.bundle]));
    return summary;
}
function verifySummary(result) {
    return new core_summary/* Summary */.B()
        .heading('sign-artifacts: verify')
        .paragraph(`${result.verified} file(s) verified.`)
        .table(['file', 'size', 'sha256', 'verified by', 'identity'], result.files.map((f) => [f.path, (0,core_summary/* formatBytes */.z)(f.size), f.sha256.slice(0, 16), f.via, f.identity ?? 'public key']));
}

// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __webpack_require__(1455);
// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
;// CONCATENATED MODULE: ./.build/shared/src/core/hash.js
/** One-pass streaming hashing: sha256, sha512 and sha1 from a single read. */


class MultiHasher {
    #hashes = { sha256: (0,external_node_crypto_.createHash)('sha256'), sha512: (0,external_node_crypto_.createHash)('sha512'), sha1: (0,external_node_crypto_.createHash)('sha1') };
    #size = 0;
    update(chunk) {
        this.#size += chunk.byteLength;
        this.#hashes.sha256.update(chunk);
        this.#hashes.sha512.update(chunk);
        this.#hashes.sha1.update(chunk);
    }
    digest() {
        return {
            size: this.#size,
            sha256: this.#hashes.sha256.digest('hex'),
            sha512: this.#hashes.sha512.digest('hex'),
            sha1: this.#hashes.sha1.digest('hex'),
        };
    }
}
async function hashStream(stream) {
    const hasher = new MultiHasher();
    for await (const chunk of stream)
        hasher.update(chunk);
    return hasher.digest();
}
function hash_hashFile(path) {
    return hashStream((0,external_node_fs_.createReadStream)(path, { highWaterMark: 1 << 20 }));
}
function hashBytes(data) {
    const hasher = new MultiHasher();
    hasher.update(typeof data === 'string' ? Buffer.from(data) : data);
    return hasher.digest();
}
function sha256Hex(data) {
    return (0,external_node_crypto_.createHash)('sha256').update(data).digest('hex');
}

// EXTERNAL MODULE: ./.build/shared/src/core/paths.js
var paths = __webpack_require__(1651);
;// CONCATENATED MODULE: ./.build/shared/src/checksums/sums.js
/**
 * SHA256SUMS / SHA512SUMS as coreutils writes them and Kubernetes publishes them:
 * one `<hex>  <relative/path>` line per file, sorted by path (byte order). A path
 * holding a backslash or a newline is escaped the coreutils way (a leading `\` on
 * the line, `\\` and `\n` in the name), so `sha256sum -c` reads every line back.
 */

const HEX = /^[0-9a-f]+$/;
function byPath(a, b) {
    return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}
function formatLine({ path, hex }) {
    if (!HEX.test(hex))
        throw new core_errors/* ReleaseError */.K2('DIGEST_MISMATCH', `Not a lower-case hex digest for ${path}: ${JSON.stringify(hex)}`, {
            userError: false,
        });
    const escaped = /[\\\n]/.test(path);
    const name = escaped ? path.replace(/\\/g, '\\\\').replace(/\n/g, '\\n') : path;
    return `${escaped ? '\\' : ''}${hex}  ${name}\n`;
}
/** Formats entries as a SUMS file: sorted by path, one line each, trailing newline. */
function formatSums(entries) {
    return [...entries].sort(byPath).map(formatLine).join('');
}
const LINE = /^(\\?)([0-9a-fA-F]+) [ *](.+)$/;
/** Parses a SUMS file (text or binary mode markers, escaped names); blank lines are skipped. */
function sums_parseSums(text) {
    const entries = [];
    const lines = text.split('\n');
    for (const [index, line] of lines.entries()) {
        if (line.trim() === '')
            continue;
        const m = LINE.exec(line.replace(/\r$/, ''));
        if (!m)
            throw new ReleaseError('VERIFICATION_FAILED', `Malformed checksum line ${index + 1}: ${JSON.stringify(line)}`);
        const name = m[1] ? m[3].replace(/\\(\\|n)/g, (_, c) => (c === 'n' ? '\n' : '\\')) : m[3];
        entries.push({ path: name, hex: m[2].toLowerCase() });
    }
    return entries;
}

;// CONCATENATED MODULE: ./.build/shared/src/checksums/files.js
/**
 * Writes the checksum files of a release tree: SHA256SUMS and SHA512SUMS over the
 * given files at the root, and a `<file>.sha256` / `<file>.sha512` beside every
 * file, the SUMS files included. The per-file digests hold the bare lower-case hex
 * digest with no trailing newline, as dl.k8s.io serves them (`echo "$(cat
 * kubectl.sha256)  kubectl" | sha256sum -c` works either way). A file whose
 * content is already right is left untouched, so a rerun changes nothing.
 */





const SHA256SUMS = 'SHA256SUMS';
const SHA512SUMS = 'SHA512SUMS';
/** Writes `content` atomically (a temporary file renamed into place). */
async function writeAtomic(file, content) {
    const tmp = `${file}.tmp-${process.pid}`;
    await (0,promises_.writeFile)(tmp, content);
    await (0,promises_.rename)(tmp, file);
}
/** Writes `content` atomically unless the file already holds exactly it; returns whether it wrote. */
async function writeIfChanged(file, content) {
    try {
        if ((await (0,promises_.readFile)(file, 'utf8')) === content)
            return false;
    }
    catch (err) {
        if (err.code !== 'ENOENT')
            throw err;
    }
    await writeAtomic(file, content);
    return true;
}
function digestsOf(path, content) {
    return { path, sha256: sha256Hex(content), sha512: (0,external_node_crypto_.createHash)('sha512').update(content).digest('hex') };
}
/** The contents of every checksum file for `files`, keyed by relative path (pure). */
function checksumContents(files) {
    const sum256 = formatSums(files.map((f) => ({ path: f.path, hex: f.sha256 })));
    const sum512 = formatSums(files.map((f) => ({ path: f.path, hex: f.sha512 })));
    const sums = [digestsOf(SHA256SUMS, sum256), digestsOf(SHA512SUMS, sum512)];
    const contents = new Map([
        [SHA256SUMS, sum256],
        [SHA512SUMS, sum512],
    ]);
    for (const f of [...files, ...sums]) {
        contents.set(`${f.path}.sha256`, f.sha256);
        contents.set(`${f.path}.sha512`, f.sha512);
    }
    return { contents, sums };
}
async function writeChecksumFiles(root, files) {
    const { contents, sums } = checksumContents(files);
    // Every path is checked before anything is written.
    const targets = [...contents].map(([path, content]) => ({ path, file: (0,paths/* resolveInside */.LI)(root, path), content }));
    const changed = [];
    for (const { path, file, content } of targets) {
        if (await writeIfChanged(file, content))
            changed.push(path);
    }
    return { sums, paths: [...contents.keys()].sort(), changed: changed.sort() };
}

;// CONCATENATED MODULE: ./.build/shared/src/checksums/verify.js
/**
 * Checks files against their checksum files: a `<file>.sha256` / `<file>.sha512`
 * beside the file, or the lines of a SUMS file. Used by publish-binaries before it
 * uploads and by sign-artifacts in verify mode.
 */





async function readOptional(file) {
    try {
        return await (0,promises_.readFile)(file, 'utf8');
    }
    catch (err) {
        if (err.code === 'ENOENT')
            return undefined;
        throw err;
    }
}
/**
 * Hashes `relative` (below root) and compares it with `<relative>.sha256` and
 * `<relative>.sha512` when they exist. Throws DigestMismatchError on the first
 * disagreement; returns the digests and which checksum files were checked.
 */
async function verifyChecksumFile(root, relative, known) {
    const file = await (0,paths/* resolveSafe */.eX)(root, relative);
    const digests = known ?? (await hash_hashFile(file));
    const checked = [];
    for (const algorithm of ['sha256', 'sha512']) {
        const expected = await readOptional(`${file}.${algorithm}`);
        if (expected === undefined)
            continue;
        if (expected.trim().toLowerCase() !== digests[algorithm])
            throw new core_errors/* DigestMismatchError */.h(relative, expected.trim(), digests[algorithm]);
        checked.push(`${relative}.${algorithm}`);
    }
    return { digests, checked };
}
/** Checks every line of a SUMS file below root (paths relative to root); returns all mismatches. */
async function checkSums(root, sumsFile, algorithm) {
    const text = await readFile(await resolveSafe(root, sumsFile), 'utf8');
    const mismatches = [];
    for (const entry of parseSums(text)) {
        let actual;
        try {
            actual = (await hashFile(await resolveSafe(root, entry.path)))[algorithm];
        }
        catch (err) {
            if (err.code !== 'ENOENT')
                throw err;
        }
        if (actual !== entry.hex)
            mismatches.push({ path: entry.path, expected: entry.hex, actual });
    }
    return mismatches;
}

;// CONCATENATED MODULE: ./.build/shared/src/checksums/index.js




// EXTERNAL MODULE: ./.build/shared/src/core/logger.js
var core_logger = __webpack_require__(9315);
;// CONCATENATED MODULE: ./.build/shared/src/core/pool.js
/** Bounded concurrency: at most `limit` tasks in flight, results in input order. */
async function mapPool(items, limit, fn) {
    const results = new Array(items.length);
    let next = 0;
    let failed = false;
    const worker = async () => {
        while (!failed && next < items.length) {
            const index = next++;
            try {
                results[index] = await fn(items[index], index);
            }
            catch (error) {
                failed = true;
                throw error;
            }
        }
    };
    const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker);
    await Promise.all(workers);
    return results;
}
/**
 * Like mapPool, but every item runs even when some fail; failures are collected
 * so a report can list every failing item instead of the first one.
 */
async function settlePool(items, limit, fn) {
    return mapPool(items, limit, async (item, index) => {
        try {
            return { item, ok: true, value: await fn(item, index) };
        }
        catch (error) {
            return { item, ok: false, error };
        }
    });
}

// EXTERNAL MODULE: ./node_modules/ajv/dist/ajv.js
var ajv = __webpack_require__(2463);
;// CONCATENATED MODULE: ./.build/shared/src/manifest/manifest.schema.json
const manifest_schema_namespaceObject = /*#__PURE__*/JSON.parse('{"$schema":"http://json-schema.org/draft-07/schema#","$id":"https://github.com/kubernetes-sigs/release-actions/schemas/release-manifest/v1","title":"Release manifest","description":"The subjects of one release and what each stage produced for them; shared by every release-actions step.","type":"object","required":["schemaVersion","files","images","packages"],"additionalProperties":false,"properties":{"schemaVersion":{"const":1},"version":{"type":"string","description":"The release version, e.g. v1.31.2."},"files":{"type":"array","items":{"$ref":"#/definitions/file"}},"images":{"type":"array","items":{"$ref":"#/definitions/image"}},"packages":{"type":"array","items":{"$ref":"#/definitions/package"}}},"definitions":{"sha256":{"type":"string","pattern":"^[0-9a-f]{64}$"},"sha512":{"type":"string","pattern":"^[0-9a-f]{128}$"},"produced":{"type":"object","description":"What the stages produced for a subject.","additionalProperties":false,"properties":{"signatures":{"type":"array","items":{"type":"string"},"description":"Sigstore bundles and legacy .sig/.cert files (paths)."},"sboms":{"type":"array","items":{"type":"string"},"description":"SBOM documents (paths)."},"published":{"type":"array","items":{"type":"string"},"description":"URLs the subject was published at."},"promoted":{"type":"array","items":{"type":"string"},"description":"References the image was promoted to."}}},"file":{"type":"object","required":["path","size","sha256","sha512"],"additionalProperties":false,"properties":{"path":{"type":"string","minLength":1,"not":{"pattern":"(^/|(^|/)\\\\.\\\\.(/|$))"}},"size":{"type":"integer","minimum":0},"sha256":{"$ref":"#/definitions/sha256"},"sha512":{"$ref":"#/definitions/sha512"},"produced":{"$ref":"#/definitions/produced"}}},"image":{"type":"object","required":["reference","digest"],"additionalProperties":false,"properties":{"reference":{"type":"string","minLength":1},"digest":{"type":"string","pattern":"^sha256:[0-9a-f]{64}$"},"platforms":{"type":"array","items":{"type":"string"}},"produced":{"$ref":"#/definitions/produced"}}},"package":{"type":"object","required":["path","format","name","version","architecture","sha256"],"additionalProperties":false,"properties":{"path":{"type":"string","minLength":1},"format":{"enum":["deb","rpm"]},"name":{"type":"string"},"version":{"type":"string"},"architecture":{"type":"string"},"sha256":{"$ref":"#/definitions/sha256"},"sha512":{"$ref":"#/definitions/sha512"},"produced":{"$ref":"#/definitions/produced"}}}}}');
;// CONCATENATED MODULE: ./.build/shared/src/manifest/manifest.js
/**
 * The release manifest: one versioned JSON document every stage shares. It lists
 * the release's subjects (files, images, packages) and what each stage produced
 * for them. Validated on read and on write; written atomically (temp + rename),
 * under a lock so two steps on one runner cannot interleave.
 */






class ManifestError extends core_errors/* ReleaseError */.K2 {
    name = 'ManifestError';
    constructor(file, problem, options = {}) {
        super('MANIFEST_INVALID', `Release manifest ${file}: ${problem}`, options);
    }
}
function emptyManifest() {
    return { schemaVersion: 1, files: [], images: [], packages: [] };
}
const validator = new ajv.Ajv({ allErrors: true }).compile(manifest_schema_namespaceObject);
function validateManifest(value, file = '<manifest>') {
    if (!validator(value)) {
        const problems = (validator.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message}`);
        throw new ManifestError(file, `does not match the schema: ${problems.join('; ')}`);
    }
    return value;
}
/** Reads and validates a manifest; a missing file is an empty manifest. */
async function readManifest(file) {
    let text;
    try {
        text = await (0,promises_.readFile)(file, 'utf8');
    }
    catch (err) {
        if (err.code === 'ENOENT')
            return emptyManifest();
        throw new ManifestError(file, 'cannot be read', { cause: err });
    }
    let parsed;
    try {
        parsed = JSON.parse(text);
    }
    catch (err) {
        throw new ManifestError(file, 'is not valid JSON', { cause: err });
    }
    return validateManifest(parsed, file);
}
/** Stable serialisation: subjects sorted, two-space indent, trailing newline. */
function serializeManifest(manifest) {
    const sorted = {
        ...manifest,
        files: [...manifest.files].sort((a, b) => a.path.localeCompare(b.path)),
        images: [...manifest.images].sort((a, b) => a.reference.localeCompare(b.reference)),
        packages: [...manifest.packages].sort((a, b) => a.path.localeCompare(b.path)),
    };
    return `${JSON.stringify(sorted, null, 2)}\n`;
}
/**
 * Read–modify–write under a lock: `change` receives the current manifest (empty
 * when the file does not exist) and mutates or replaces it; the result is
 * validated and renamed into place.
 */
async function updateManifest(file, change) {
    await (0,promises_.mkdir)(external_node_path_.dirname(external_node_path_.resolve(file)), { recursive: true });
    const lock = `${file}.lock`;
    for (let attempt = 0;; attempt++) {
        try {
            await (await (0,promises_.open)(lock, 'wx')).close();
            break;
        }
        catch (err) {
            if (err.code !== 'EEXIST' || attempt > 500)
                throw new ManifestError(file, 'is locked', { cause: err });
            await (0,core_retry/* sleep */.yy)(20);
        }
    }
    try {
        const current = await readManifest(file);
        const next = validateManifest(change(current) ?? current, file);
        const tmp = `${file}.tmp-${process.pid}`;
        await (0,promises_.writeFile)(tmp, serializeManifest(next));
        await (0,promises_.rename)(tmp, file);
        return next;
    }
    finally {
        await (0,promises_.rm)(lock, { force: true });
    }
}
/** Adds values to a subject's produced list, without duplicates, keeping them sorted. */
function recordProduced(subject, kind, values) {
    const produced = subject.produced ?? {};
    subject.produced = produced;
    produced[kind] = [...new Set([...(produced[kind] ?? []), ...values])].sort();
}

;// CONCATENATED MODULE: ./.build/shared/src/sign/witnesses.js




function witnessesFor(endpoints, timeoutMs) {
    const witnesses = [];
    if (endpoints.rekorUrl)
        witnesses.push(new sign_dist/* RekorWitness */.fU({ rekorBaseURL: endpoints.rekorUrl, retry: 0, timeout: timeoutMs, fetchOnConflict: true }));
    if (endpoints.tsaUrl)
        witnesses.push(new sign_dist/* TSAWitness */.gs({ tsaBaseURL: endpoints.tsaUrl, retry: 0, timeout: timeoutMs }));
    return witnesses;
}
function publicKeyOf(signature) {
    return signature.key.$case === 'publicKey' ? signature.key.publicKey : signature.key.certificate;
}
/**
 * Adds every witness's tlog entries and timestamps to a signed bundle (as
 * @sigstore/sign's bundle builders do). Each attempt may take `timeoutMs`;
 * outages are retried within the retry budget.
 */
async function witness(bundle, signature, witnesses, retry, timeoutMs) {
    const materials = await Promise.all(witnesses.map((w) => {
        const what = w instanceof sign_dist/* RekorWitness */.fU ? 'Rekor entry' : 'timestamp';
        return (0,core_retry/* withRetry */.bD)(() => withTimeout(timeoutMs, what, () => w.testify(bundle.content, publicKeyOf(signature))), {
            what,
            isRetryable: services/* isOutage */.uD,
            ...retry,
        });
    }));
    bundle.verificationMaterial.tlogEntries = materials.flatMap((m) => m.tlogEntries ?? []);
    bundle.verificationMaterial.timestampVerificationData = {
        rfc3161Timestamps: materials.flatMap((m) => m.rfc3161Timestamps ?? []),
    };
    return bundle;
}

;// CONCATENATED MODULE: ./.build/shared/src/sign/attest.js
/**
 * Writes the provenance: `provenance.json` (the statement) and
 * `provenance.sigstore.json` (its DSSE bundle, payload type
 * application/vnd.in-toto+json), bundle last. Unchanged when the same statement
 * is already there with a bundle that verifies.
 */







const PROVENANCE_FILE = 'provenance.json';
const PROVENANCE_BUNDLE = 'provenance.sigstore.json';
async function readText(file) {
    try {
        return await (0,promises_.readFile)(file, 'utf8');
    }
    catch (err) {
        if (err.code === 'ENOENT')
            return undefined;
        throw err;
    }
}
function alreadySigned(statementText, bundleText, payload, verifier) {
    if (statementText !== payload.toString('utf8') || bundleText === undefined)
        return false;
    try {
        verifier.verifyDsse(parseBundle(bundleText), payload, IN_TOTO_PAYLOAD_TYPE);
        return true;
    }
    catch {
        return false;
    }
}
async function writeProvenance(root, statement, ctx) {
    const statementFile = external_node_path_.join(root, PROVENANCE_FILE);
    const bundleFile = external_node_path_.join(root, PROVENANCE_BUNDLE);
    const payload = Buffer.from((0,sign_provenance/* serializeStatement */.US)(statement));
    if (!ctx.force && ctx.verifier) {
        const [statementText, bundleText] = await Promise.all([readText(statementFile), readText(bundleFile)]);
        if (alreadySigned(statementText, bundleText, payload, ctx.verifier))
            return { status: 'unchanged', verified: true };
    }
    const signature = await ctx.signer.sign(preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, payload));
    const bundle = await witness(dsseBundle(payload, IN_TOTO_PAYLOAD_TYPE, signature), signature, ctx.witnesses, ctx.retry, ctx.timeoutMs);
    if (ctx.verifier) {
        try {
            ctx.verifier.verifyDsse(bundle, payload, IN_TOTO_PAYLOAD_TYPE);
        }
        catch (err) {
            throw new errors/* SigningError */.u(`the provenance bundle does not verify (${err.message})`, [], { cause: err });
        }
    }
    await writeIfChanged(statementFile, payload.toString('utf8'));
    await writeIfChanged(bundleFile, serializeBundle(bundle));
    return { status: 'signed', verified: ctx.verifier !== undefined };
}

// EXTERNAL MODULE: external "node:worker_threads"
var external_node_worker_threads_ = __webpack_require__(5919);
;// CONCATENATED MODULE: ./.build/shared/src/sign/sha512-worker.js
/**
 * SHA-512 on a second core. Per byte SHA-512 costs about as much as the two
 * SHA-256 passes the main thread already does (the digest, and the signature's
 * own hash), so one worker thread hashing SHA-512 for every file in flight
 * balances the pipeline. Chunks are moved (transferred, not copied) to the
 * worker when they own their memory, as file-stream chunks do; a file's reader waits
 * while more than `maxInFlight` bytes are queued, so memory stays bounded. The
 * worker keeps the process alive only while a message to it is unanswered (a
 * file whose read failed never asks for its digest and holds nothing).
 */

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const hashes = new Map();
parentPort.on('message', (m) => {
  let hash = hashes.get(m.id);
  if (!hash) hashes.set(m.id, (hash = createHash('sha512')));
  if (m.chunk) {
    hash.update(new Uint8Array(m.chunk));
    parentPort.postMessage({ id: m.id, done: m.chunk.byteLength });
  } else {
    hashes.delete(m.id);
    parentPort.postMessage({ id: m.id, hex: hash.digest('hex') });
  }
});
`;
class Sha512Worker {
    #maxInFlight;
    #worker;
    #nextId = 0;
    #inFlight = 0;
    #unanswered = 0;
    #waiters = [];
    #results = new Map();
    constructor(maxInFlight = 64 << 20) {
        this.#maxInFlight = maxInFlight;
    }
    #start() {
        if (this.#worker)
            return this.#worker;
        const worker = new external_node_worker_threads_.Worker(WORKER_SOURCE, { eval: true });
        worker.unref();
        worker.on('message', (reply) => {
            if (--this.#unanswered === 0)
                worker.unref();
            if (reply.done !== undefined) {
                this.#inFlight -= reply.done;
                if (this.#inFlight < this.#maxInFlight)
                    for (const wake of this.#waiters.splice(0))
                        wake();
                return;
            }
            const result = this.#results.get(reply.id);
            this.#results.delete(reply.id);
            result?.resolve(reply.hex);
        });
        worker.on('error', (err) => {
            for (const r of this.#results.values())
                r.reject(err);
            this.#results.clear();
            for (const wake of this.#waiters.splice(0))
                wake();
            this.#worker = undefined;
            this.#inFlight = 0;
            this.#unanswered = 0;
        });
        this.#worker = worker;
        return worker;
    }
    #send(worker, message) {
        if (this.#unanswered++ === 0)
            worker.ref();
        worker.postMessage(message, message.chunk ? [message.chunk] : []);
    }
    job() {
        const worker = this.#start();
        const id = this.#nextId++;
        return {
            update: (chunk) => {
                const owned = chunk.buffer instanceof ArrayBuffer && chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength;
                const data = owned ? chunk : new Uint8Array(chunk);
                this.#inFlight += data.byteLength;
                this.#send(worker, { id, chunk: data.buffer });
            },
            drain: () => (this.#inFlight < this.#maxInFlight ? undefined : new Promise((resolve) => this.#waiters.push(resolve))),
            digest: () => new Promise((resolve, reject) => {
                this.#results.set(id, { resolve, reject });
                this.#send(worker, { id });
            }),
        };
    }
}
/** The process's one SHA-512 worker. */
const sha512Worker = new Sha512Worker();

;// CONCATENATED MODULE: ./.build/shared/src/sign/stream.js
/**
 * One read per file: the bytes stream once through every sink that needs them
 * (the SHA-256/SHA-512 digests, a signature, a signature check), so a release of
 * several gigabytes is never held in memory nor read twice.
 */



/** Streams the file through `sinks`, then hands each chunk to `digest` (which takes it over: it goes last). */
async function readInto(file, digest, sinks = []) {
    for await (const chunk of (0,external_node_fs_.createReadStream)(file, { highWaterMark: 1 << 20 })) {
        for (const sink of sinks)
            sink.update(chunk);
        digest.take(chunk);
        await digest.drain();
    }
}
/** SHA-256 (here) and SHA-512 (on the worker thread) of the streamed bytes. */
class DigestSink {
    #sha256 = (0,external_node_crypto_.createHash)('sha256');
    #sha512 = sha512Worker.job();
    #size = 0;
    /** Hashes a chunk and passes it on to the SHA-512 worker: the caller must not touch it afterwards. */
    take(chunk) {
        this.#size += chunk.byteLength;
        this.#sha256.update(chunk);
        this.#sha512.update(chunk);
    }
    drain() {
        return this.#sha512.drain();
    }
    async digests() {
        return { size: this.#size, sha256: this.#sha256.digest('hex'), sha512: await this.#sha512.digest() };
    }
}

;// CONCATENATED MODULE: ./.build/shared/src/sign/sign-file.js
/**
 * Signs one file: skip it when its existing bundle verifies (unless forced);
 * otherwise hash and sign it in one read, have the signature witnessed (Rekor,
 * TSA), check the new bundle at once (as krel verifies each signature), and
 * write `<file>.sigstore.json` (plus `.sig`/`.cert`).
 */










const BUNDLE_SUFFIX = '.sigstore.json';
async function readExisting(file) {
    let text;
    try {
        text = await (0,promises_.readFile)(file, 'utf8');
    }
    catch (err) {
        if (err.code === 'ENOENT')
            return undefined;
        throw err;
    }
    try {
        return parseBundle(text);
    }
    catch {
        return undefined;
    }
}
/** Hashes the file and checks its existing bundle in the same read; the reason when it does not verify. */
async function checkExisting(file, bundle, verifier) {
    const digest = new DigestSink();
    const check = verifier.begin(bundle);
    await readInto(file, digest, [check.sink]);
    const digests = await digest.digests();
    try {
        check.finish(digests.sha256);
        return digests;
    }
    catch (err) {
        if (err instanceof BundleRejected)
            return err.message;
        throw err;
    }
}
async function signFresh(file, ctx) {
    const digest = new DigestSink();
    const sink = ctx.signer.begin();
    await withTimeout(ctx.timeoutMs, `reading ${file}`, () => readInto(file, digest, [sink]));
    const digests = await digest.digests();
    const signature = await sink.finish();
    const bundle = await witness(messageBundle(digests.sha256, signature), signature, ctx.witnesses, ctx.retry, ctx.timeoutMs);
    if (!ctx.verifier)
        return { digests, bundle, verified: false };
    try {
        ctx.verifier.checkFresh(bundle, digests.sha256, ctx.signer.publicKey);
    }
    catch (err) {
        throw new errors/* SigningError */.u(`the new bundle does not verify (${err.message})`, [], { cause: err });
    }
    return { digests, bundle, verified: true };
}
async function signFile(file, label, ctx) {
    const bundleFile = `${file}${BUNDLE_SUFFIX}`;
    let result;
    const existing = ctx.force || !ctx.verifier ? undefined : await readExisting(bundleFile);
    if (existing && ctx.verifier) {
        const checked = await checkExisting(file, existing, ctx.verifier);
        if (typeof checked === 'string')
            ctx.logger.info(`${label}: existing bundle does not verify (${checked}); signing again`);
        else
            result = { digests: checked, bundle: existing, status: 'unchanged', verified: true };
    }
    result ??= { ...(await signFresh(file, ctx)), status: 'signed' };
    // A new signature differs from whatever was there (ECDSA is randomised): write it; a kept one only where missing.
    const write = result.status === 'signed' ? writeAtomic : writeIfChanged;
    const bundleText = serializeBundle(result.bundle);
    const outputs = [BUNDLE_SUFFIX];
    await write(bundleFile, bundleText);
    if (ctx.legacySignatures) {
        const legacy = legacyFiles(result.bundle);
        await write(`${file}.sig`, legacy.sig);
        outputs.push('.sig');
        if (legacy.cert !== undefined) {
            await write(`${file}.cert`, legacy.cert);
            outputs.push('.cert');
        }
    }
    return {
        file,
        digests: result.digests,
        status: result.status,
        verified: result.verified,
        outputs,
        bundleSha256: sha256Hex(bundleText),
    };
}

// EXTERNAL MODULE: ./.build/shared/src/sign/subjects.js
var sign_subjects = __webpack_require__(2028);
;// CONCATENATED MODULE: ./.build/shared/src/sign/sign-artifacts.js
/**
 * The sign-artifacts pipeline: plan (which files, where the release root is) →
 * sign each file (bundle, legacy .sig/.cert), skipping those whose bundle already
 * verifies → checksums → provenance → record in the release manifest → report.
 */
















function joinPosix(root, name) {
    return root === '.' ? name : `${root}/${name}`;
}
function retryOptions(options, logger) {
    return (0,services/* outageRetry */.o5)(options.retryBudgetMs, ({ attempt, delayMs, error }) => logger.warning(`attempt ${attempt} failed (${error.message}); retrying in ${Math.round(delayMs / 1000)}s`));
}
function plan(subjects, root, options, logger) {
    for (const s of subjects)
        logger.info(`would sign ${s} → ${s}${BUNDLE_SUFFIX}`);
    const checksums = options.checksums ? joinPosix(root, SHA256SUMS) : undefined;
    const provenance = options.provenance ? joinPosix(root, PROVENANCE_FILE) : undefined;
    if (checksums)
        logger.info(`would write ${checksums}, ${joinPosix(root, SHA512SUMS)} and per-file .sha256/.sha512`);
    if (provenance)
        logger.info(`would write ${provenance} and ${joinPosix(root, PROVENANCE_BUNDLE)}`);
    return {
        dryRun: true,
        root,
        files: subjects.map((s) => ({ path: s, size: 0, sha256: '', status: 'planned', bundle: `${s}${BUNDLE_SUFFIX}` })),
        bundles: subjects.map((s) => `${s}${BUNDLE_SUFFIX}`),
        checksums,
        provenance,
        provenanceStatus: provenance ? 'planned' : undefined,
        digests: {},
        verified: 0,
        checked: options.trust !== undefined,
    };
}
async function signAll(subjects, options, logger, retry) {
    const verifier = options.trust ? new BundleVerifier(options.trust) : undefined;
    const witnesses = witnessesFor(options.endpoints, options.timeoutMs);
    const progress = new core_logger/* Progress */.ke(logger, subjects.length);
    const results = await settlePool(subjects, options.concurrency, async (subject) => {
        const signed = await signFile(await (0,paths/* resolveSafe */.eX)(options.workspace, subject), subject, {
            signer: options.signer,
            witnesses,
            verifier,
            legacySignatures: options.legacySignatures,
            force: options.force,
            timeoutMs: options.timeoutMs,
            retry,
            logger,
        });
        progress.tick(`${subject} ${signed.status}`, signed.digests.size);
        return signed;
    });
    const failures = [];
    const signed = new Map();
    for (const r of results) {
        if (r.ok)
            signed.set(r.item, r.value);
        else
            failures.push({ path: r.item, reason: r.error.message });
    }
    if (failures.length > 0)
        throw new errors/* SigningError */.u(`${failures.length} of ${subjects.length} file(s) could not be signed`, failures);
    return signed;
}
function checkManifestDigests(signed, manifestFiles) {
    for (const subject of manifestFiles) {
        const file = signed.get(subject.path);
        if (file && file.digests.sha256 !== subject.sha256)
            throw new core_errors/* DigestMismatchError */.h(`${subject.path} (release manifest)`, subject.sha256, file.digests.sha256);
    }
}
async function signArtifacts(options, logger) {
    const startedOn = options.sourceDate ?? new Date();
    const manifestFiles = options.manifest ? (await readManifest(options.manifest)).files : [];
    const subjects = await logger.group('Plan', async () => {
        const found = await (0,sign_subjects/* findSubjects */.Pc)({ ...options, manifestFiles });
        logger.info(`${found.length} file(s) to sign`);
        return found;
    });
    const root = (0,sign_subjects/* releaseRoot */.WD)(subjects);
    if (options.dryRun)
        return logger.group('Dry run: nothing is written', async () => plan(subjects, root, options, logger));
    const retry = retryOptions(options, logger);
    const signed = await logger.group(`Sign ${subjects.length} file(s)`, () => signAll(subjects, options, logger, retry));
    checkManifestDigests(signed, manifestFiles);
    const rootDir = external_node_path_.join(options.workspace, root);
    const files = subjects.map((s) => ({ subject: s, name: (0,sign_subjects/* relativeTo */.Mf)(root, s), signed: signed.get(s) }));
    const byproducts = files.map((f) => ({
        name: `${f.name}${BUNDLE_SUFFIX}`,
        digest: { sha256: f.signed.bundleSha256 },
    }));
    let checksums;
    let checksumsChanged = 0;
    if (options.checksums) {
        await logger.group('Checksums', async () => {
            const written = await writeChecksumFiles(rootDir, files.map((f) => ({ path: f.name, sha256: f.signed.digests.sha256, sha512: f.signed.digests.sha512 })));
            for (const sums of written.sums)
                byproducts.push({ name: sums.path, digest: { sha256: sums.sha256 } });
            checksumsChanged = written.changed.length;
            logger.info(written.changed.length === 0
                ? `${written.paths.length} checksum files unchanged`
                : `wrote ${written.changed.length} of ${written.paths.length} checksum files`);
        });
        checksums = joinPosix(root, SHA256SUMS);
    }
    let provenance;
    let provenanceStatus;
    const context = options.provenance;
    if (context) {
        const statement = (0,sign_provenance/* provenanceStatement */.D2)({
            context,
            subjects: files.map((f) => ({
                name: f.name,
                digest: { sha256: f.signed.digests.sha256, sha512: f.signed.digests.sha512 },
            })),
            byproducts,
            startedOn,
            finishedOn: options.sourceDate ?? new Date(),
        });
        const written = await logger.group('Provenance', async () => {
            const result = await writeProvenance(rootDir, statement, {
                signer: options.signer,
                witnesses: witnessesFor(options.endpoints, options.timeoutMs),
                verifier: options.trust ? new BundleVerifier(options.trust) : undefined,
                force: options.force,
                timeoutMs: options.timeoutMs,
                retry,
            });
            logger.info(`${joinPosix(root, PROVENANCE_FILE)} ${result.status}`);
            return result;
        });
        provenance = joinPosix(root, PROVENANCE_FILE);
        provenanceStatus = written.status;
    }
    if (options.manifest) {
        await updateManifest(options.manifest, (manifest) => {
            for (const f of files) {
                let subject = manifest.files.find((s) => s.path === f.subject);
                if (!subject) {
                    const { size, sha256, sha512 } = f.signed.digests;
                    subject = { path: f.subject, size, sha256, sha512 };
                    manifest.files.push(subject);
                }
                recordProduced(subject, 'signatures', f.signed.outputs.map((suffix) => `${f.subject}${suffix}`));
            }
            return manifest;
        });
    }
    if (files.every((f) => f.signed.status === 'unchanged') && checksumsChanged === 0 && provenanceStatus !== 'signed')
        logger.info('Every file already had a bundle that verifies: nothing was signed or written');
    const reports = files.map((f) => ({
        path: f.subject,
        size: f.signed.digests.size,
        sha256: f.signed.digests.sha256,
        status: f.signed.status,
        bundle: `${f.subject}${BUNDLE_SUFFIX}`,
    }));
    return {
        dryRun: false,
        root,
        files: reports,
        bundles: reports.map((r) => r.bundle),
        checksums,
        provenance,
        provenanceStatus,
        digests: Object.fromEntries(reports.map((r) => [r.path, r.sha256])),
        verified: files.filter((f) => f.signed.verified).length,
        checked: options.trust !== undefined,
    };
}

;// CONCATENATED MODULE: ./.build/shared/src/sign/public-good-trusted-root.json
const public_good_trusted_root_namespaceObject = /*#__PURE__*/JSON.parse('{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1","tlogs":[{"baseUrl":"https://rekor.sigstore.dev","hashAlgorithm":"SHA2_256","publicKey":{"rawBytes":"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE2G2Y+2tabdTV5BcGiBIx0a9fAFwrkBbmLSGtks4L3qX6yYY0zufBnhC8Ur/iy55GhWP/9A/bY2LhC30M9+RYtw==","keyDetails":"PKIX_ECDSA_P256_SHA_256","validFor":{"start":"2021-01-12T11:53:27Z"}},"logId":{"keyId":"wNI9atQGlz+VWfO6LRygH4QUfY/8W4RFwiT5i5WRgB0="}},{"baseUrl":"https://log2025-1.rekor.sigstore.dev","hashAlgorithm":"SHA2_256","publicKey":{"rawBytes":"MCowBQYDK2VwAyEAt8rlp1knGwjfbcXAYPYAkn0XiLz1x8O4t0YkEhie244=","keyDetails":"PKIX_ED25519","validFor":{"start":"2025-09-23T00:00:00Z"}},"logId":{"keyId":"zxGZFVvd0FEmjR8WrFwMdcAJ9vtaY/QXf44Y1wUeP6A="}}],"certificateAuthorities":[{"subject":{"organization":"sigstore.dev","commonName":"sigstore"},"uri":"https://fulcio.sigstore.dev","certChain":{"certificates":[{"rawBytes":"MIIB+DCCAX6gAwIBAgITNVkDZoCiofPDsy7dfm6geLbuhzAKBggqhkjOPQQDAzAqMRUwEwYDVQQKEwxzaWdzdG9yZS5kZXYxETAPBgNVBAMTCHNpZ3N0b3JlMB4XDTIxMDMwNzAzMjAyOVoXDTMxMDIyMzAzMjAyOVowKjEVMBMGA1UEChMMc2lnc3RvcmUuZGV2MREwDwYDVQQDEwhzaWdzdG9yZTB2MBAGByqGSM49AgEGBSuBBAAiA2IABLSyA7Ii5k+pNO8ZEWY0ylemWDowOkNa3kL+GZE5Z5GWehL9/A9bRNA3RbrsZ5i0JcastaRL7Sp5fp/jD5dxqc/UdTVnlvS16an+2Yfswe/QuLolRUCrcOE2+2iA5+tzd6NmMGQwDgYDVR0PAQH/BAQDAgEGMBIGA1UdEwEB/wQIMAYBAf8CAQEwHQYDVR0OBBYEFMjFHQBBmiQpMlEk6w2uSu1KBtPsMB8GA1UdIwQYMBaAFMjFHQBBmiQpMlEk6w2uSu1KBtPsMAoGCCqGSM49BAMDA2gAMGUCMH8liWJfMui6vXXBhjDgY4MwslmN/TJxVe/83WrFomwmNf056y1X48F9c4m3a3ozXAIxAKjRay5/aj/jsKKGIkmQatjI8uupHr/+CxFvaJWmpYqNkLDGRU+9orzh5hI2RrcuaQ=="}]},"validFor":{"start":"2021-03-07T03:20:29Z","end":"2022-12-31T23:59:59.999Z"}},{"subject":{"organization":"sigstore.dev","commonName":"sigstore"},"uri":"https://fulcio.sigstore.dev","certChain":{"certificates":[{"rawBytes":"MIICGjCCAaGgAwIBAgIUALnViVfnU0brJasmRkHrn/UnfaQwCgYIKoZIzj0EAwMwKjEVMBMGA1UEChMMc2lnc3RvcmUuZGV2MREwDwYDVQQDEwhzaWdzdG9yZTAeFw0yMjA0MTMyMDA2MTVaFw0zMTEwMDUxMzU2NThaMDcxFTATBgNVBAoTDHNpZ3N0b3JlLmRldjEeMBwGA1UEAxMVc2lnc3RvcmUtaW50ZXJtZWRpYXRlMHYwEAYHKoZIzj0CAQYFK4EEACIDYgAE8RVS/ysH+NOvuDZyPIZtilgUF9NlarYpAd9HP1vBBH1U5CV77LSS7s0ZiH4nE7Hv7ptS6LvvR/STk798LVgMzLlJ4HeIfF3tHSaexLcYpSASr1kS0N/RgBJz/9jWCiXno3sweTAOBgNVHQ8BAf8EBAMCAQYwEwYDVR0lBAwwCgYIKwYBBQUHAwMwEgYDVR0TAQH/BAgwBgEB/wIBADAdBgNVHQ4EFgQU39Ppz1YkEZb5qNjpKFWixi4YZD8wHwYDVR0jBBgwFoAUWMAeX5FFpWapesyQoZMi0CrFxfowCgYIKoZIzj0EAwMDZwAwZAIwPCsQK4DYiZYDPIaDi5HFKnfxXx6ASSVmERfsynYBiX2X6SJRnZU84/9DZdnFvvxmAjBOt6QpBlc4J/0DxvkTCqpclvziL6BCCPnjdlIB3Pu3BxsPmygUY7Ii2zbdCdliiow="},{"rawBytes":"MIIB9zCCAXygAwIBAgIUALZNAPFdxHPwjeDloDwyYChAO/4wCgYIKoZIzj0EAwMwKjEVMBMGA1UEChMMc2lnc3RvcmUuZGV2MREwDwYDVQQDEwhzaWdzdG9yZTAeFw0yMTEwMDcxMzU2NTlaFw0zMTEwMDUxMzU2NThaMCoxFTATBgNVBAoTDHNpZ3N0b3JlLmRldjERMA8GA1UEAxMIc2lnc3RvcmUwdjAQBgcqhkjOPQIBBgUrgQQAIgNiAAT7XeFT4rb3PQGwS4IajtLk3/OlnpgangaBclYpsYBr5i+4ynB07ceb3LP0OIOZdxexX69c5iVuyJRQ+Hz05yi+UF3uBWAlHpiS5sh0+H2GHE7SXrk1EC5m1Tr19L9gg92jYzBhMA4GA1UdDwEB/wQEAwIBBjAPBgNVHRMBAf8EBTADAQH/MB0GA1UdDgQWBBRYwB5fkUWlZql6zJChkyLQKsXF+jAfBgNVHSMEGDAWgBRYwB5fkUWlZql6zJChkyLQKsXF+jAKBggqhkjOPQQDAwNpADBmAjEAj1nHeXZp+13NWBNa+EDsDP8G1WWg1tCMWP/WHPqpaVo0jhsweNFZgSs0eE7wYI4qAjEA2WB9ot98sIkoF3vZYdd3/VtWB5b9TNMea7Ix/stJ5TfcLLeABLE4BNJOsQ4vnBHJ"}]},"validFor":{"start":"2022-04-13T20:06:15Z"}}],"ctlogs":[{"baseUrl":"https://ctfe.sigstore.dev/test","hashAlgorithm":"SHA2_256","publicKey":{"rawBytes":"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEbfwR+RJudXscgRBRpKX1XFDy3PyudDxz/SfnRi1fT8ekpfBd2O1uoz7jr3Z8nKzxA69EUQ+eFCFI3zeubPWU7w==","keyDetails":"PKIX_ECDSA_P256_SHA_256","validFor":{"start":"2021-03-14T00:00:00Z","end":"2022-10-31T23:59:59.999Z"}},"logId":{"keyId":"CGCS8ChS/2hF0dFrJ4ScRWcYrBY9wzjSbea8IgY2b3I="}},{"baseUrl":"https://ctfe.sigstore.dev/2022","hashAlgorithm":"SHA2_256","publicKey":{"rawBytes":"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEiPSlFi0CmFTfEjCUqF9HuCEcYXNKAaYalIJmBZ8yyezPjTqhxrKBpMnaocVtLJBI1eM3uXnQzQGAJdJ4gs9Fyw==","keyDetails":"PKIX_ECDSA_P256_SHA_256","validFor":{"start":"2022-10-20T00:00:00Z"}},"logId":{"keyId":"3T0wasbHETJjGR4cmWc3AqJKXrjePK3/h4pygC8p7o4="}}],"timestampAuthorities":[{"subject":{"organization":"sigstore.dev","commonName":"sigstore-tsa-selfsigned"},"uri":"https://timestamp.sigstore.dev/api/v1/timestamp","certChain":{"certificates":[{"rawBytes":"MIICEDCCAZagAwIBAgIUOhNULwyQYe68wUMvy4qOiyojiwwwCgYIKoZIzj0EAwMwOTEVMBMGA1UEChMMc2lnc3RvcmUuZGV2MSAwHgYDVQQDExdzaWdzdG9yZS10c2Etc2VsZnNpZ25lZDAeFw0yNTA0MDgwNjU5NDNaFw0zNTA0MDYwNjU5NDNaMC4xFTATBgNVBAoTDHNpZ3N0b3JlLmRldjEVMBMGA1UEAxMMc2lnc3RvcmUtdHNhMHYwEAYHKoZIzj0CAQYFK4EEACIDYgAE4ra2Z8hKNig2T9kFjCAToGG30jky+WQv3BzL+mKvh1SKNR/UwuwsfNCg4sryoYAd8E6isovVA3M4aoNdm9QDi50Z8nTEyvqgfDPtTIwXItfiW/AFf1V7uwkbkAoj0xxco2owaDAOBgNVHQ8BAf8EBAMCB4AwHQYDVR0OBBYEFIn9eUOHz9BlRsMCRscsc1t9tOsDMB8GA1UdIwQYMBaAFJjsAe9/u1H/1JUeb4qImFMHic6/MBYGA1UdJQEB/wQMMAoGCCsGAQUFBwMIMAoGCCqGSM49BAMDA2gAMGUCMDtpsV/6KaO0qyF/UMsX2aSUXKQFdoGTptQGc0ftq1csulHPGG6dsmyMNd3JB+G3EQIxAOajvBcjpJmKb4Nv+2Taoj8Uc5+b6ih6FXCCKraSqupe07zqswMcXJTe1cExvHvvlw=="},{"rawBytes":"MIIB9zCCAXygAwIBAgIUV7f0GLDOoEzIh8LXSW80OJiUp14wCgYIKoZIzj0EAwMwOTEVMBMGA1UEChMMc2lnc3RvcmUuZGV2MSAwHgYDVQQDExdzaWdzdG9yZS10c2Etc2VsZnNpZ25lZDAeFw0yNTA0MDgwNjU5NDNaFw0zNTA0MDYwNjU5NDNaMDkxFTATBgNVBAoTDHNpZ3N0b3JlLmRldjEgMB4GA1UEAxMXc2lnc3RvcmUtdHNhLXNlbGZzaWduZWQwdjAQBgcqhkjOPQIBBgUrgQQAIgNiAAQUQNtfRT/ou3YATa6wB/kKTe70cfJwyRIBovMnt8RcJph/COE82uyS6FmppLLL1VBPGcPfpQPYJNXzWwi8icwhKQ6W/Qe2h3oebBb2FHpwNJDqo+TMaC/tdfkv/ElJB72jRTBDMA4GA1UdDwEB/wQEAwIBBjASBgNVHRMBAf8ECDAGAQH/AgEAMB0GA1UdDgQWBBSY7AHvf7tR/9SVHm+KiJhTB4nOvzAKBggqhkjOPQQDAwNpADBmAjEAwGEGrfGZR1cen1R8/DTVMI943LssZmJRtDp/i7SfGHmGRP6gRbuj9vOK3b67Z0QQAjEAuT2H673LQEaHTcyQSZrkp4mX7WwkmF+sVbkYY5mXN+RMH13KUEHHOqASaemYWK/E"}]},"validFor":{"start":"2025-07-04T00:00:00Z"}}]}');
;// CONCATENATED MODULE: ./.build/shared/src/sign/trust.js
/**
 * Offline trust material for @sigstore/verify: a trusted_root.json (the
 * public-good instance's, shipped beside this module, or a private instance's
 * file) and/or a public key. Nothing here touches the network (sigstore.verify
 * would refresh TUF metadata online).
 *
 * public-good-trusted-root.json is targets/trusted_root.json of
 * github.com/sigstore/root-signing at 60cf2ce8b2e4 (2026-08-21).
 */




function publicGoodTrustedRoot() {
    return protobuf_specs_dist.TrustedRoot.fromJSON(public_good_trusted_root_namespaceObject);
}
function parseTrustedRoot(json) {
    const root = protobuf_specs_dist.TrustedRoot.fromJSON(json);
    if (!/^application\/vnd\.dev\.sigstore\.trustedroot/.test(root.mediaType))
        throw new Error('not a Sigstore trusted root');
    return root;
}
function emptyTrustedRoot() {
    return protobuf_specs_dist.TrustedRoot.fromJSON({ mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1' });
}
/** Parses a PEM (SPKI) public key; throws when it is not one. */
function parsePublicKey(pem) {
    const key = (0,external_node_crypto_.createPublicKey)({ key: pem, format: 'pem' });
    if (key.type !== 'public')
        throw new Error('not a public key');
    return key;
}
/**
 * Trust material from a root and an optional public key. The key is used for
 * every bundle whatever its hint (as `cosign verify-blob --key` does): the hint
 * is only a hint.
 */
function trustMaterial(root, publicKey) {
    return (0,verify_dist/* toTrustMaterial */.jO)(root, (hint) => {
        if (!publicKey)
            throw new Error(`no public key given (bundle key hint ${hint})`);
        return { publicKey, validFor: () => true };
    });
}
/**
 * Thresholds as the signing side produces them: a tlog entry unless Rekor is
 * off; keyless bundles need a certificate transparency SCT and a verified time
 * (the tlog's or a TSA's) inside the certificate's ten minutes.
 */
function trustPolicy(config) {
    const keyless = config.publicKey === undefined;
    const policy = {};
    if (keyless && config.identity !== undefined)
        policy.subjectAlternativeName = config.identity;
    if (keyless && config.issuer !== undefined)
        policy.extensions = { issuer: config.issuer };
    return {
        material: trustMaterial(config.trustedRoot ?? emptyTrustedRoot(), config.publicKey),
        thresholds: {
            tlogThreshold: config.tlog ? 1 : 0,
            ctlogThreshold: keyless ? 1 : 0,
            timestampThreshold: keyless ? 1 : 0,
        },
        policy: Object.keys(policy).length > 0 ? policy : undefined,
    };
}

;// CONCATENATED MODULE: ./.build/shared/src/sign/verify-artifacts.js
/**
 * The verify gate (mode: verify, and publish-binaries / promote-images before
 * they write anything): every file must carry a `<file>.sigstore.json` (or the
 * legacy `<file>.sig` + `<file>.cert`) that verifies offline for the required
 * identity or key, and agree with its `.sha256`/`.sha512` when present. Every
 * file is checked; the error lists every failing one.
 */















async function verify_artifacts_readOptional(file) {
    try {
        return await (0,promises_.readFile)(file, 'utf8');
    }
    catch (err) {
        if (err.code === 'ENOENT')
            return undefined;
        throw err;
    }
}
/** The bundle to check: `<file>.sigstore.json`, else one rebuilt from `<file>.sig` (+ `.cert`). */
async function signatureOf(file) {
    const text = await verify_artifacts_readOptional(`${file}${BUNDLE_SUFFIX}`);
    if (text !== undefined) {
        try {
            return { bundle: parseBundle(text), via: 'bundle' };
        }
        catch (err) {
            return `${BUNDLE_SUFFIX} is not a Sigstore bundle (${err.message})`;
        }
    }
    const sig = await verify_artifacts_readOptional(`${file}.sig`);
    if (sig === undefined)
        return `no ${BUNDLE_SUFFIX} and no .sig beside it`;
    const cert = await verify_artifacts_readOptional(`${file}.cert`);
    const der = cert === undefined ? undefined : certificateDer(Buffer.from(cert.trim(), 'base64').toString('utf8'));
    return {
        via: 'legacy',
        bundle: (0,dist.toMessageSignatureBundle)({
            // The legacy pair carries no digest: verifyFile sets the file's own once it is read.
            digest: Buffer.alloc(32),
            signature: Buffer.from(sig.trim(), 'base64'),
            certificate: der,
            certificateChain: false,
        }),
    };
}
async function verifyFile(workspace, subject, verifier) {
    const file = await (0,paths/* resolveSafe */.eX)(workspace, subject);
    const found = await signatureOf(file);
    if (typeof found === 'string')
        throw new Error(found);
    const digest = new DigestSink();
    const check = verifier.begin(found.bundle);
    await readInto(file, digest, [check.sink]);
    const digests = await digest.digests();
    if (found.via === 'legacy' && found.bundle.content.$case === 'messageSignature')
        found.bundle.content.messageSignature.messageDigest.digest = Buffer.from(digests.sha256, 'hex');
    const signer = check.finish(digests.sha256);
    await verifyChecksumFile(workspace, subject, digests);
    return {
        path: subject,
        size: digests.size,
        sha256: digests.sha256,
        via: found.via,
        identity: signer.identity?.subjectAlternativeName,
    };
}
async function verifyArtifacts(options, logger) {
    const manifestFiles = options.manifest ? (await readManifest(options.manifest)).files : [];
    const subjects = await (0,sign_subjects/* findSubjects */.Pc)({
        workspace: options.workspace,
        files: options.files,
        exclude: options.exclude ?? sign_subjects/* DEFAULT_EXCLUDE */.lx,
        manifestFiles,
    });
    const verifier = new BundleVerifier(options.trust);
    const timeoutMs = options.timeoutMs ?? 180_000;
    const results = await logger.group(`Verify ${subjects.length} file(s)`, async () => {
        const progress = new core_logger/* Progress */.ke(logger, subjects.length);
        return settlePool(subjects, options.concurrency ?? 10, async (subject) => {
            const verified = await withTimeout(timeoutMs, `verifying ${subject}`, () => verifyFile(options.workspace, subject, verifier));
            progress.tick(`${subject} verified (${verified.via}${verified.identity ? `, ${verified.identity}` : ''})`, verified.size);
            return verified;
        });
    });
    const failures = [];
    const files = [];
    const recorded = new Map(manifestFiles.map((s) => [s.path, s.sha256]));
    for (const r of results) {
        const expected = recorded.get(r.item);
        if (!r.ok)
            failures.push({ path: r.item, reason: r.error.message });
        else if (expected !== undefined && expected !== r.value.sha256)
            failures.push({ path: r.item, reason: `sha256 ${r.value.sha256} differs from the release manifest's ${expected}` });
        else
            files.push(r.value);
    }
    for (const f of failures)
        logger.warning(`${f.path}: ${f.reason}`);
    if (failures.length > 0)
        throw new errors/* VerificationError */.m(`${failures.length} of ${subjects.length} file(s) failed verification`, failures);
    return { files, verified: files.length, digests: Object.fromEntries(files.map((f) => [f.path, f.sha256])) };
}

;// CONCATENATED MODULE: ./.build/shared/src/sign/index.js















/***/ })

};
