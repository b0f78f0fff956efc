export const id = 46;
export const ids = [46];
export const modules = {

/***/ 58046:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  BUNDLE_V03_MEDIA_TYPE: () => (/* reexport */ bundles/* BUNDLE_V03_MEDIA_TYPE */.HM),
  BundleRejected: () => (/* reexport */ bundle_verifier/* BundleRejected */.H),
  BundleVerifier: () => (/* reexport */ bundle_verifier/* BundleVerifier */.b),
  DEFAULT_EXCLUDE: () => (/* reexport */ sign_subjects/* DEFAULT_EXCLUDE */.lx),
  KeyFormatError: () => (/* reexport */ KeyFormatError),
  KeySigner: () => (/* reexport */ KeySigner),
  KeylessSigner: () => (/* reexport */ KeylessSigner),
  PUBLIC_GOOD: () => (/* reexport */ services/* PUBLIC_GOOD */.wN),
  SigningError: () => (/* reexport */ errors/* SigningError */.u),
  VerificationError: () => (/* reexport */ errors/* VerificationError */.m),
  jwtClaims: () => (/* reexport */ jwtClaims),
  outageRetry: () => (/* reexport */ services/* outageRetry */.o5),
  parseBundle: () => (/* reexport */ bundles/* parseBundle */.QN),
  parsePublicKey: () => (/* reexport */ parsePublicKey),
  parseTrustedRoot: () => (/* reexport */ parseTrustedRoot),
  parseWorkflowRef: () => (/* reexport */ parseWorkflowRef),
  provenanceStatement: () => (/* reexport */ provenanceStatement),
  publicGoodTrustedRoot: () => (/* reexport */ publicGoodTrustedRoot),
  runnerToken: () => (/* reexport */ runnerToken),
  serializeBundle: () => (/* reexport */ bundles/* serializeBundle */.fP),
  signArtifacts: () => (/* reexport */ signArtifacts),
  signSummary: () => (/* reexport */ signSummary),
  staticToken: () => (/* reexport */ staticToken),
  trustPolicy: () => (/* reexport */ trustPolicy),
  verifyArtifacts: () => (/* reexport */ verify_artifacts.verifyArtifacts),
  verifySummary: () => (/* reexport */ verifySummary)
});

// EXTERNAL MODULE: ./.build/shared/src/sign/bundle-verifier.js
var bundle_verifier = __webpack_require__(96136);
// EXTERNAL MODULE: ./.build/shared/src/sign/bundles.js
var bundles = __webpack_require__(77304);
// EXTERNAL MODULE: ./.build/shared/src/sign/errors.js
var errors = __webpack_require__(1406);
// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(77598);
;// CONCATENATED MODULE: ./.build/shared/src/sign/key-signer.js
/**
 * Signing with an ECDSA P-256 key: a PKCS#8 PEM private key (optionally
 * encrypted) given by the user, or an ephemeral key for keyless signing. Returns
 * public-key material with a key hint (base64 SHA-256 of the DER public key, as
 * cosign writes it), since @sigstore/sign ships no key signer.
 */


/** The private key could not be used; the message never contains key material. */
class KeyFormatError extends errors/* SigningError */.u {
    name = 'KeyFormatError';
    constructor(problem) {
        super(problem, [], { userError: true });
    }
}
const PKCS8 = /-----BEGIN (ENCRYPTED )?PRIVATE KEY-----/;
function keyHint(publicKey) {
    return (0,external_node_crypto_.createHash)('sha256')
        .update(publicKey.export({ format: 'der', type: 'spki' }))
        .digest('base64');
}
class KeySigner {
    kind = 'key';
    publicKey;
    publicKeyPem;
    hint;
    #privateKey;
    constructor(privateKey) {
        if (privateKey.asymmetricKeyType !== 'ec' || privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
            throw new KeyFormatError('the key is not an ECDSA P-256 private key');
        this.#privateKey = privateKey;
        this.publicKey = (0,external_node_crypto_.createPublicKey)(privateKey);
        this.publicKeyPem = this.publicKey.export({ format: 'pem', type: 'spki' }).toString();
        this.hint = keyHint(this.publicKey);
    }
    /** Parses a PKCS#8 PEM key; errors say what is wrong without echoing the key. */
    static fromPem(pem, password) {
        if (!PKCS8.test(pem))
            throw new KeyFormatError('expected a PEM PKCS#8 private key (-----BEGIN PRIVATE KEY-----)');
        const encrypted = pem.includes('ENCRYPTED PRIVATE KEY');
        if (encrypted && password === undefined)
            throw new KeyFormatError('the key is encrypted and no password was given');
        let key;
        try {
            key = (0,external_node_crypto_.createPrivateKey)({ key: pem, format: 'pem', ...(encrypted ? { passphrase: password } : {}) });
        }
        catch {
            throw new KeyFormatError(encrypted ? 'the key cannot be decrypted with the given password' : 'the PEM key cannot be parsed');
        }
        return new KeySigner(key);
    }
    static ephemeral() {
        return new KeySigner((0,external_node_crypto_.generateKeyPairSync)('ec', { namedCurve: 'P-256' }).privateKey);
    }
    #material(signature) {
        return { signature, key: { $case: 'publicKey', publicKey: this.publicKeyPem, hint: this.hint } };
    }
    async sign(data) {
        return this.#material((0,external_node_crypto_.sign)('sha256', data, this.#privateKey));
    }
    begin() {
        const signer = (0,external_node_crypto_.createSign)('sha256');
        return {
            update: (chunk) => signer.update(chunk),
            finish: async () => this.#material(signer.sign(this.#privateKey)),
        };
    }
}

// EXTERNAL MODULE: ./node_modules/@sigstore/sign/dist/index.js
var dist = __webpack_require__(15179);
// EXTERNAL MODULE: ./.build/shared/src/core/retry.js
var core_retry = __webpack_require__(60941);
// EXTERNAL MODULE: ./.build/shared/src/sign/services.js
var services = __webpack_require__(7705);
// EXTERNAL MODULE: ./.build/shared/src/sign/timeout.js
var timeout = __webpack_require__(70550);
;// CONCATENATED MODULE: ./.build/shared/src/sign/keyless-signer.js
/**
 * Keyless signing: an ephemeral P-256 key certified by Fulcio for the OIDC
 * identity. One certificate serves every file of a run (Fulcio issues it for ten
 * minutes); a new one is requested when less than `renewBeforeMs` is left, so a
 * long run never signs with a certificate about to expire.
 */






class KeylessSigner {
    kind = 'keyless';
    #key = KeySigner.ephemeral();
    publicKey = this.#key.publicKey;
    #fulcio;
    #options;
    #cached;
    #pending;
    constructor(options) {
        this.#options = options;
        this.#fulcio = new dist/* FulcioSigner */.$o({
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
        const { key } = await (0,core_retry/* withRetry */.bD)(() => (0,timeout/* withTimeout */.w)(timeoutMs, what, () => this.#fulcio.sign(Buffer.alloc(0))), {
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

// EXTERNAL MODULE: ./.build/shared/src/core/errors.js
var core_errors = __webpack_require__(75116);
;// CONCATENATED MODULE: ./.build/shared/src/core/http.js
/**
 * The one HTTP layer for our own requests: fetch with a timeout, non-2xx turned
 * into HttpError (with Retry-After), and retries through withRetry.
 */


async function httpRequest(url, request = {}) {
    const { timeoutMs = 60_000, accept = [], retry, ...init } = request;
    const method = init.method ?? 'GET';
    return (0,core_retry/* withRetry */.bD)(async () => {
        const response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
        if (response.ok || accept.includes(response.status))
            return response;
        const body = await response.text().catch(() => '');
        throw new core_errors/* HttpError */.j$(response.status, `${method} ${redactUrl(url)} returned ${response.status} ${response.statusText}${body ? `: ${body.slice(0, 300)}` : ''}`, { retryAfterMs: (0,core_retry/* parseRetryAfter */.mu)(response.headers.get('retry-after')) });
    }, { what: `${method} ${redactUrl(url)}`, ...retry });
}
/** Drops credentials and query strings (signatures, tokens) from a URL before it is logged. */
function redactUrl(url) {
    try {
        const u = new URL(url);
        u.username = '';
        u.password = '';
        u.search = '';
        return u.toString();
    }
    catch {
        return '<invalid url>';
    }
}

;// CONCATENATED MODULE: ./.build/shared/src/sign/oidc.js


const SIGSTORE_AUDIENCE = 'sigstore';
/** The claims of a JWT (unverified: Fulcio verifies the token). */
function jwtClaims(token) {
    const parts = token.split('.');
    try {
        if (parts.length !== 3)
            throw new Error('not three parts');
        const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
        if (typeof claims !== 'object' || claims === null || Array.isArray(claims))
            throw new Error('not an object');
        return claims;
    }
    catch {
        throw new errors/* SigningError */.u('the identity token is not a JWT', [], { userError: true });
    }
}
function staticToken(token) {
    jwtClaims(token);
    return { getToken: async () => token };
}
/** Requests a fresh token from the runner each time (a token lives for minutes). */
function runnerToken(request) {
    return {
        async getToken() {
            const url = new URL(request.url);
            url.searchParams.set('audience', SIGSTORE_AUDIENCE);
            const response = await httpRequest(url, {
                headers: { authorization: `Bearer ${request.token}`, accept: 'application/json' },
                timeoutMs: request.timeoutMs,
                retry: request.retry,
            });
            const body = (await response.json());
            if (typeof body.value !== 'string')
                throw new errors/* SigningError */.u('the runner returned no identity token');
            request.mask?.(body.value);
            jwtClaims(body.value);
            return body.value;
        },
    };
}

;// CONCATENATED MODULE: ./.build/shared/src/core/time.js
/** SOURCE_DATE_EPOCH: the reproducible-builds clock. Outputs that embed a time use this. */

/** The build time: SOURCE_DATE_EPOCH when set (seconds since the epoch), otherwise now. */
function sourceDate(env = process.env) {
    const raw = env.SOURCE_DATE_EPOCH?.trim();
    if (!raw)
        return new Date();
    if (!/^\d+$/.test(raw))
        throw new InputError('SOURCE_DATE_EPOCH', `expected whole seconds since 1970, got ${JSON.stringify(raw)}`);
    return new Date(Number(raw) * 1000);
}
/** RFC 3339 UTC without milliseconds, as SLSA and SBOM timestamps are written. */
function rfc3339(date) {
    return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

;// CONCATENATED MODULE: ./.build/shared/src/sign/provenance.js
/**
 * SLSA v1 provenance for the signed files: an in-toto Statement v1 with the
 * https://slsa.dev/provenance/v1 predicate, in GitHub's workflow build type. The
 * GitHub context is passed in (the action reads it from the runner's
 * environment), so this module is pure and its output depends only on its input.
 */

const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
const SLSA_PROVENANCE_V1 = 'https://slsa.dev/provenance/v1';
const GITHUB_BUILD_TYPE = 'https://actions.github.io/buildtypes/workflow/v1';
/** Splits GITHUB_WORKFLOW_REF (owner/name/.github/workflows/x.yml@ref) into repository, path and ref. */
function parseWorkflowRef(workflowRef) {
    const m = /^([^/]+\/[^/]+)\/(.+?)@(.+)$/.exec(workflowRef);
    if (!m)
        throw new Error(`not a workflow ref: ${workflowRef}`);
    return { repository: m[1], path: m[2], ref: m[3] };
}
function byName(a, b) {
    const [x, y] = [a.name ?? '', b.name ?? ''];
    return x < y ? -1 : x > y ? 1 : 0;
}
function provenanceStatement(input) {
    const { context } = input;
    const workflow = parseWorkflowRef(context.workflowRef);
    const github = { event_name: context.eventName };
    if (context.repositoryId)
        github.repository_id = context.repositoryId;
    if (context.repositoryOwnerId)
        github.repository_owner_id = context.repositoryOwnerId;
    if (context.runnerEnvironment)
        github.runner_environment = context.runnerEnvironment;
    const repoUrl = `${context.serverUrl}/${context.repository}`;
    return {
        _type: STATEMENT_TYPE,
        subject: [...input.subjects].sort(byName),
        predicateType: SLSA_PROVENANCE_V1,
        predicate: {
            buildDefinition: {
                buildType: GITHUB_BUILD_TYPE,
                externalParameters: {
                    workflow: { ref: workflow.ref, repository: `${context.serverUrl}/${workflow.repository}`, path: workflow.path },
                    inputs: context.workflowInputs,
                },
                internalParameters: { github },
                resolvedDependencies: [{ uri: `git+${repoUrl}@${context.ref}`, digest: { gitCommit: context.sha } }],
            },
            runDetails: {
                builder: {
                    id: `${context.serverUrl}/${context.workflowRef}`,
                    version: { 'release-actions/sign-artifacts': context.builderVersion },
                },
                metadata: {
                    invocationId: `${repoUrl}/actions/runs/${context.runId}/attempts/${context.runAttempt}`,
                    startedOn: rfc3339(input.startedOn),
                    finishedOn: rfc3339(input.finishedOn),
                },
                byproducts: [...input.byproducts].sort(byName),
            },
        },
    };
}
function serializeStatement(statement) {
    return `${JSON.stringify(statement, null, 2)}\n`;
}

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
var external_node_path_ = __webpack_require__(76760);
// EXTERNAL MODULE: ./.build/shared/src/checksums/files.js
var checksums_files = __webpack_require__(75895);
// EXTERNAL MODULE: ./.build/shared/src/checksums/index.js
var src_checksums = __webpack_require__(30872);
// EXTERNAL MODULE: ./.build/shared/src/core/logger.js
var core_logger = __webpack_require__(89315);
// EXTERNAL MODULE: ./.build/shared/src/core/paths.js
var paths = __webpack_require__(31651);
// EXTERNAL MODULE: ./.build/shared/src/core/pool.js
var pool = __webpack_require__(8769);
// EXTERNAL MODULE: ./.build/shared/src/manifest/manifest.js + 1 modules
var manifest_manifest = __webpack_require__(69237);
// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __webpack_require__(51455);
// EXTERNAL MODULE: ./.build/shared/src/sign/witnesses.js
var sign_witnesses = __webpack_require__(88174);
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
        verifier.verifyDsse((0,bundles/* parseBundle */.QN)(bundleText), payload, bundles/* IN_TOTO_PAYLOAD_TYPE */.T4);
        return true;
    }
    catch {
        return false;
    }
}
async function writeProvenance(root, statement, ctx) {
    const statementFile = external_node_path_.join(root, PROVENANCE_FILE);
    const bundleFile = external_node_path_.join(root, PROVENANCE_BUNDLE);
    const payload = Buffer.from(serializeStatement(statement));
    if (!ctx.force && ctx.verifier) {
        const [statementText, bundleText] = await Promise.all([readText(statementFile), readText(bundleFile)]);
        if (alreadySigned(statementText, bundleText, payload, ctx.verifier))
            return { status: 'unchanged', verified: true };
    }
    const signature = await ctx.signer.sign((0,bundles/* preAuthEncoding */.JC)(bundles/* IN_TOTO_PAYLOAD_TYPE */.T4, payload));
    const bundle = await (0,sign_witnesses/* witness */.u)((0,bundles/* dsseBundle */.wb)(payload, bundles/* IN_TOTO_PAYLOAD_TYPE */.T4, signature), signature, ctx.witnesses, ctx.retry, ctx.timeoutMs);
    if (ctx.verifier) {
        try {
            ctx.verifier.verifyDsse(bundle, payload, bundles/* IN_TOTO_PAYLOAD_TYPE */.T4);
        }
        catch (err) {
            throw new errors/* SigningError */.u(`the provenance bundle does not verify (${err.message})`, [], { cause: err });
        }
    }
    await (0,checksums_files/* writeIfChanged */.Vw)(statementFile, payload.toString('utf8'));
    await (0,checksums_files/* writeIfChanged */.Vw)(bundleFile, (0,bundles/* serializeBundle */.fP)(bundle));
    return { status: 'signed', verified: ctx.verifier !== undefined };
}

// EXTERNAL MODULE: ./.build/shared/src/sign/sign-file.js
var sign_file = __webpack_require__(77103);
// EXTERNAL MODULE: ./.build/shared/src/sign/subjects.js
var sign_subjects = __webpack_require__(52028);
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
        logger.info(`would sign ${s} → ${s}${sign_file/* BUNDLE_SUFFIX */.Z}`);
    const checksums = options.checksums ? joinPosix(root, src_checksums/* SHA256SUMS */.sU) : undefined;
    const provenance = options.provenance ? joinPosix(root, PROVENANCE_FILE) : undefined;
    if (checksums)
        logger.info(`would write ${checksums}, ${joinPosix(root, src_checksums/* SHA512SUMS */.$4)} and per-file .sha256/.sha512`);
    if (provenance)
        logger.info(`would write ${provenance} and ${joinPosix(root, PROVENANCE_BUNDLE)}`);
    return {
        dryRun: true,
        root,
        files: subjects.map((s) => ({ path: s, size: 0, sha256: '', status: 'planned', bundle: `${s}${sign_file/* BUNDLE_SUFFIX */.Z}` })),
        bundles: subjects.map((s) => `${s}${sign_file/* BUNDLE_SUFFIX */.Z}`),
        checksums,
        provenance,
        provenanceStatus: provenance ? 'planned' : undefined,
        digests: {},
        verified: 0,
        checked: options.trust !== undefined,
    };
}
async function signAll(subjects, options, logger, retry) {
    const verifier = options.trust ? new bundle_verifier/* BundleVerifier */.b(options.trust) : undefined;
    const witnesses = (0,sign_witnesses/* witnessesFor */.N)(options.endpoints, options.timeoutMs);
    const progress = new core_logger/* Progress */.ke(logger, subjects.length);
    const results = await (0,pool/* settlePool */._)(subjects, options.concurrency, async (subject) => {
        const signed = await (0,sign_file/* signFile */.W)(await (0,paths/* resolveSafe */.eX)(options.workspace, subject), subject, {
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
    const manifestFiles = options.manifest ? (await (0,manifest_manifest/* readManifest */.WI)(options.manifest)).files : [];
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
        name: `${f.name}${sign_file/* BUNDLE_SUFFIX */.Z}`,
        digest: { sha256: f.signed.bundleSha256 },
    }));
    let checksums;
    let checksumsChanged = 0;
    if (options.checksums) {
        await logger.group('Checksums', async () => {
            const written = await (0,checksums_files/* writeChecksumFiles */.Kj)(rootDir, files.map((f) => ({ path: f.name, sha256: f.signed.digests.sha256, sha512: f.signed.digests.sha512 })));
            for (const sums of written.sums)
                byproducts.push({ name: sums.path, digest: { sha256: sums.sha256 } });
            checksumsChanged = written.changed.length;
            logger.info(written.changed.length === 0
                ? `${written.paths.length} checksum files unchanged`
                : `wrote ${written.changed.length} of ${written.paths.length} checksum files`);
        });
        checksums = joinPosix(root, src_checksums/* SHA256SUMS */.sU);
    }
    let provenance;
    let provenanceStatus;
    const context = options.provenance;
    if (context) {
        const statement = provenanceStatement({
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
                witnesses: (0,sign_witnesses/* witnessesFor */.N)(options.endpoints, options.timeoutMs),
                verifier: options.trust ? new bundle_verifier/* BundleVerifier */.b(options.trust) : undefined,
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
        await (0,manifest_manifest/* updateManifest */.xA)(options.manifest, (manifest) => {
            for (const f of files) {
                let subject = manifest.files.find((s) => s.path === f.subject);
                if (!subject) {
                    const { size, sha256, sha512 } = f.signed.digests;
                    subject = { path: f.subject, size, sha256, sha512 };
                    manifest.files.push(subject);
                }
                (0,manifest_manifest/* recordProduced */.Mv)(subject, 'signatures', f.signed.outputs.map((suffix) => `${f.subject}${suffix}`));
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
        bundle: `${f.subject}${sign_file/* BUNDLE_SUFFIX */.Z}`,
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

// EXTERNAL MODULE: ./node_modules/@sigstore/protobuf-specs/dist/index.js
var protobuf_specs_dist = __webpack_require__(19654);
// EXTERNAL MODULE: ./node_modules/@sigstore/verify/dist/index.js
var verify_dist = __webpack_require__(54187);
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

// EXTERNAL MODULE: ./.build/shared/src/sign/verify-artifacts.js
var verify_artifacts = __webpack_require__(37130);
;// CONCATENATED MODULE: ./.build/shared/src/sign/index.js















/***/ })

};
