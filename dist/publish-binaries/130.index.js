export const id = 130;
export const ids = [130];
export const modules = {

/***/ 96136:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   H: () => (/* binding */ BundleRejected),
/* harmony export */   b: () => (/* binding */ BundleVerifier)
/* harmony export */ });
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(77598);
/* harmony import */ var _sigstore_bundle__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(61040);
/* harmony import */ var _sigstore_protobuf_specs__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(19654);
/* harmony import */ var _sigstore_verify__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(54187);
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
        this.#verifier = new _sigstore_verify__WEBPACK_IMPORTED_MODULE_3__/* .Verifier */ .BL(trust.material, trust.thresholds);
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
        if (!(0,_sigstore_bundle__WEBPACK_IMPORTED_MODULE_1__.isBundleWithMessageSignature)(bundle))
            throw new BundleRejected('the bundle holds no message signature');
        const { messageDigest } = bundle.content.messageSignature;
        if (messageDigest.algorithm !== _sigstore_protobuf_specs__WEBPACK_IMPORTED_MODULE_2__.HashAlgorithm.SHA2_256)
            throw new BundleRejected('the bundle digest is not SHA-256');
        if (Buffer.from(messageDigest.digest).toString('hex') !== sha256Hex)
            throw new BundleRejected('the bundle is for different content (digest mismatch)');
        let entity;
        try {
            entity = (0,_sigstore_verify__WEBPACK_IMPORTED_MODULE_3__/* .toSignedEntity */ .DC)(bundle);
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
        const check = (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.createVerify)('sha256');
        return {
            sink: { update: (chunk) => check.update(chunk) },
            finish: (sha256Hex) => {
                let result;
                const signature = (0,_sigstore_bundle__WEBPACK_IMPORTED_MODULE_1__.isBundleWithMessageSignature)(bundle) ? bundle.content.messageSignature.signature : Buffer.alloc(0);
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
            entity = (0,_sigstore_verify__WEBPACK_IMPORTED_MODULE_3__/* .toSignedEntity */ .DC)(bundle);
        }
        catch (err) {
            throw new BundleRejected(describe(err), { cause: err });
        }
        return this.#verify(entity);
    }
}


/***/ }),

/***/ 77304:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Gs: () => (/* binding */ messageBundle),
/* harmony export */   HM: () => (/* reexport safe */ _sigstore_bundle__WEBPACK_IMPORTED_MODULE_0__.BUNDLE_V03_MEDIA_TYPE),
/* harmony export */   JC: () => (/* binding */ preAuthEncoding),
/* harmony export */   QN: () => (/* binding */ parseBundle),
/* harmony export */   T4: () => (/* binding */ IN_TOTO_PAYLOAD_TYPE),
/* harmony export */   fP: () => (/* binding */ serializeBundle),
/* harmony export */   wb: () => (/* binding */ dsseBundle)
/* harmony export */ });
/* harmony import */ var _sigstore_bundle__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(61040);
/* harmony import */ var _legacy_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(35794);
/**
 * Sigstore bundles, v0.3 (`application/vnd.dev.sigstore.bundle.v0.3+json`, as
 * cosign v3 writes them): a message signature over a file's SHA-256 (signed from
 * the stream, so the library's MessageSignatureBundleBuilder, which wants the
 * whole file in memory and emits v0.2, is not used), and a DSSE envelope for
 * in-toto statements.
 */


function signingCertificate(signature) {
    return signature.key.$case === 'x509Certificate' ? (0,_legacy_js__WEBPACK_IMPORTED_MODULE_1__/* .certificateDer */ .PK)(signature.key.certificate) : undefined;
}
function keyHintOf(signature) {
    return signature.key.$case === 'publicKey' ? signature.key.hint : undefined;
}
/** An unwitnessed message-signature bundle for a file whose SHA-256 is `sha256Hex`. */
function messageBundle(sha256Hex, signature) {
    return (0,_sigstore_bundle__WEBPACK_IMPORTED_MODULE_0__.toMessageSignatureBundle)({
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
    return (0,_sigstore_bundle__WEBPACK_IMPORTED_MODULE_0__.toDSSEBundle)({
        artifact: payload,
        artifactType: payloadType,
        signature: signature.signature,
        certificate: signingCertificate(signature),
        keyHint: keyHintOf(signature),
        certificateChain: false,
    });
}
function serializeBundle(bundle) {
    return `${JSON.stringify((0,_sigstore_bundle__WEBPACK_IMPORTED_MODULE_0__.bundleToJSON)(bundle))}\n`;
}
function parseBundle(text) {
    return (0,_sigstore_bundle__WEBPACK_IMPORTED_MODULE_0__.bundleFromJSON)(JSON.parse(text));
}



/***/ }),

/***/ 1406:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   m: () => (/* binding */ VerificationError),
/* harmony export */   u: () => (/* binding */ SigningError)
/* harmony export */ });
/* harmony import */ var _core_errors_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(75116);
/** Failures of the signing domain: each carries the files it concerns, so a report can list them all. */

function listing(failures) {
    return failures.map((f) => `${f.path}: ${f.reason}`).join('; ');
}
/** Signing (or witnessing: Fulcio, Rekor, TSA) failed for one or more files. */
class SigningError extends _core_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .ReleaseError */ .K2 {
    name = 'SigningError';
    failures;
    constructor(message, failures = [], options = {}) {
        super('SIGNING_FAILED', failures.length > 0 ? `${message}: ${listing(failures)}` : message, {
            userError: false,
            ...options,
        });
        this.failures = [...failures];
    }
}
/** One or more files have no signature that verifies for the required identity or key. */
class VerificationError extends _core_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .ReleaseError */ .K2 {
    name = 'VerificationError';
    failures;
    constructor(message, failures = [], options = {}) {
        super('VERIFICATION_FAILED', failures.length > 0 ? `${message}: ${listing(failures)}` : message, options);
        this.failures = [...failures];
    }
}


/***/ }),

/***/ 35794:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   F_: () => (/* binding */ legacyFiles),
/* harmony export */   PK: () => (/* binding */ certificateDer)
/* harmony export */ });
/* unused harmony exports certificatePem, bundleCertificate */
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


/***/ }),

/***/ 7705:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   o5: () => (/* binding */ outageRetry),
/* harmony export */   uD: () => (/* binding */ isOutage),
/* harmony export */   wN: () => (/* binding */ PUBLIC_GOOD)
/* harmony export */ });
/* harmony import */ var _core_errors_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(75116);
/* harmony import */ var _core_retry_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(60941);
/**
 * The Sigstore services (the public-good instance by default) and how their
 * outages are retried. Kept free of the Sigstore libraries, so an action can
 * validate its inputs before loading them.
 */


const PUBLIC_GOOD = {
    fulcio: 'https://fulcio.sigstore.dev',
    rekor: 'https://rekor.sigstore.dev',
    tsa: 'https://timestamp.sigstore.dev/api/v1/timestamp',
};
/** Outages are retried: 408/429/5xx, connection failures, and an attempt that timed out. */
function isOutage(error) {
    return (0,_core_retry_js__WEBPACK_IMPORTED_MODULE_1__/* .isRetryableError */ .$d)(error) || (error instanceof _core_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .ReleaseError */ .K2 && error.code === 'TIMEOUT');
}
/** Retries for Sigstore service outages: backoff with jitter up to a minute apart, until the budget is spent. */
function outageRetry(budgetMs, onRetry) {
    return { attempts: Number.MAX_SAFE_INTEGER, baseDelayMs: 1000, maxDelayMs: 60_000, budgetMs, onRetry };
}


/***/ }),

/***/ 77103:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   W: () => (/* binding */ signFile),
/* harmony export */   Z: () => (/* binding */ BUNDLE_SUFFIX)
/* harmony export */ });
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(51455);
/* harmony import */ var _checksums_files_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(75895);
/* harmony import */ var _core_hash_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(52319);
/* harmony import */ var _bundle_verifier_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(96136);
/* harmony import */ var _bundles_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(77304);
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(1406);
/* harmony import */ var _legacy_js__WEBPACK_IMPORTED_MODULE_9__ = __webpack_require__(35794);
/* harmony import */ var _stream_js__WEBPACK_IMPORTED_MODULE_6__ = __webpack_require__(5144);
/* harmony import */ var _timeout_js__WEBPACK_IMPORTED_MODULE_7__ = __webpack_require__(70550);
/* harmony import */ var _witnesses_js__WEBPACK_IMPORTED_MODULE_8__ = __webpack_require__(88174);
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
        text = await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.readFile)(file, 'utf8');
    }
    catch (err) {
        if (err.code === 'ENOENT')
            return undefined;
        throw err;
    }
    try {
        return (0,_bundles_js__WEBPACK_IMPORTED_MODULE_4__/* .parseBundle */ .QN)(text);
    }
    catch {
        return undefined;
    }
}
/** Hashes the file and checks its existing bundle in the same read; the reason when it does not verify. */
async function checkExisting(file, bundle, verifier) {
    const digest = new _stream_js__WEBPACK_IMPORTED_MODULE_6__/* .DigestSink */ .e();
    const check = verifier.begin(bundle);
    await (0,_stream_js__WEBPACK_IMPORTED_MODULE_6__/* .readInto */ .P)(file, digest, [check.sink]);
    const digests = await digest.digests();
    try {
        check.finish(digests.sha256);
        return digests;
    }
    catch (err) {
        if (err instanceof _bundle_verifier_js__WEBPACK_IMPORTED_MODULE_3__/* .BundleRejected */ .H)
            return err.message;
        throw err;
    }
}
async function signFresh(file, ctx) {
    const digest = new _stream_js__WEBPACK_IMPORTED_MODULE_6__/* .DigestSink */ .e();
    const sink = ctx.signer.begin();
    await (0,_timeout_js__WEBPACK_IMPORTED_MODULE_7__/* .withTimeout */ .w)(ctx.timeoutMs, `reading ${file}`, () => (0,_stream_js__WEBPACK_IMPORTED_MODULE_6__/* .readInto */ .P)(file, digest, [sink]));
    const digests = await digest.digests();
    const signature = await sink.finish();
    const bundle = await (0,_witnesses_js__WEBPACK_IMPORTED_MODULE_8__/* .witness */ .u)((0,_bundles_js__WEBPACK_IMPORTED_MODULE_4__/* .messageBundle */ .Gs)(digests.sha256, signature), signature, ctx.witnesses, ctx.retry, ctx.timeoutMs);
    if (!ctx.verifier)
        return { digests, bundle, verified: false };
    try {
        ctx.verifier.checkFresh(bundle, digests.sha256, ctx.signer.publicKey);
    }
    catch (err) {
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_5__/* .SigningError */ .u(`the new bundle does not verify (${err.message})`, [], { cause: err });
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
    const write = result.status === 'signed' ? _checksums_files_js__WEBPACK_IMPORTED_MODULE_1__/* .writeAtomic */ .vZ : _checksums_files_js__WEBPACK_IMPORTED_MODULE_1__/* .writeIfChanged */ .Vw;
    const bundleText = (0,_bundles_js__WEBPACK_IMPORTED_MODULE_4__/* .serializeBundle */ .fP)(result.bundle);
    const outputs = [BUNDLE_SUFFIX];
    await write(bundleFile, bundleText);
    if (ctx.legacySignatures) {
        const legacy = (0,_legacy_js__WEBPACK_IMPORTED_MODULE_9__/* .legacyFiles */ .F_)(result.bundle);
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
        bundleSha256: (0,_core_hash_js__WEBPACK_IMPORTED_MODULE_2__/* .sha256Hex */ .fg)(bundleText),
    };
}


/***/ }),

/***/ 5144:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  e: () => (/* binding */ DigestSink),
  P: () => (/* binding */ readInto)
});

// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(77598);
// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(73024);
// EXTERNAL MODULE: external "node:worker_threads"
var external_node_worker_threads_ = __webpack_require__(75919);
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


/***/ }),

/***/ 52028:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Mf: () => (/* binding */ relativeTo),
/* harmony export */   Pc: () => (/* binding */ findSubjects),
/* harmony export */   WD: () => (/* binding */ releaseRoot),
/* harmony export */   lx: () => (/* binding */ DEFAULT_EXCLUDE)
/* harmony export */ });
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(51455);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(76760);
/* harmony import */ var _core_errors_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(75116);
/* harmony import */ var _core_paths_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(31651);
/**
 * Which files a run signs or verifies: the `files` globs below the workspace
 * (Kubernetes' skip list excluded unless `exclude` overrides it), plus the file
 * subjects of the release manifest. Every path must stay inside the workspace,
 * symlinks included. Problems are input errors naming `files` (or `manifest`).
 */




/** What `krel sign blobs` skips, plus the files this action writes itself. */
const DEFAULT_EXCLUDE = [
    '*.sha256',
    '*.sha512',
    'SHA256SUMS',
    'SHA512SUMS',
    '*.docker_tag',
    'README*',
    'Makefile',
    '*.sig',
    '*.cert',
    '*.pem',
    '*.sigstore.json',
    'provenance.json',
];
/** Sorted relative POSIX paths of the files to handle. */
async function findSubjects(query) {
    let matched;
    try {
        matched = await (0,_core_paths_js__WEBPACK_IMPORTED_MODULE_3__/* .expandGlobs */ .GE)(query.workspace, query.files, { exclude: query.exclude, input: 'files' });
    }
    catch (err) {
        if (err instanceof _core_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .UnsafePathError */ .k0)
            throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .InputError */ .dz('files', err.message, { cause: err });
        throw err;
    }
    const found = new Set(matched);
    for (const subject of query.manifestFiles ?? []) {
        if ((0,_core_paths_js__WEBPACK_IMPORTED_MODULE_3__/* .matchesAny */ ._I)(subject.path, query.exclude))
            continue;
        try {
            await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.access)(await (0,_core_paths_js__WEBPACK_IMPORTED_MODULE_3__/* .resolveSafe */ .eX)(query.workspace, subject.path));
        }
        catch (err) {
            throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .InputError */ .dz('manifest', `file subject ${subject.path} cannot be used (${err.message})`, { cause: err });
        }
        found.add(subject.path);
    }
    if (found.size === 0)
        throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .InputError */ .dz('files', 'matches only excluded files (see the exclude input)');
    return [...found].sort();
}
/**
 * The release root: the deepest folder holding every subject. SHA256SUMS,
 * SHA512SUMS and the provenance go there, with paths relative to it (as
 * Kubernetes publishes `bin/linux/amd64/kubectl` in SHA256SUMS).
 */
function releaseRoot(subjects) {
    const dirs = subjects.map((s) => node_path__WEBPACK_IMPORTED_MODULE_1__.posix
        .dirname(s)
        .split('/')
        .filter((p) => p !== '.'));
    const first = dirs[0] ?? [];
    let depth = 0;
    while (depth < first.length && dirs.every((d) => d[depth] === first[depth]))
        depth++;
    return first.slice(0, depth).join('/') || '.';
}
/** `subject` relative to `root` (both relative POSIX paths). */
function relativeTo(root, subject) {
    return root === '.' ? subject : node_path__WEBPACK_IMPORTED_MODULE_1__.posix.relative(root, subject);
}


/***/ }),

/***/ 70550:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   w: () => (/* binding */ withTimeout)
/* harmony export */ });
/* harmony import */ var _core_errors_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(75116);

/** Runs `fn`, failing with a TIMEOUT error when it takes longer than `ms`. */
async function withTimeout(ms, what, fn) {
    let timer;
    const expired = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new _core_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .ReleaseError */ .K2('TIMEOUT', `${what} took longer than ${Math.round(ms / 1000)}s`)), ms);
    });
    try {
        return await Promise.race([fn(), expired]);
    }
    finally {
        clearTimeout(timer);
    }
}


/***/ }),

/***/ 37130:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   verifyArtifacts: () => (/* binding */ verifyArtifacts)
/* harmony export */ });
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(51455);
/* harmony import */ var _sigstore_bundle__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(61040);
/* harmony import */ var _checksums_verify_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(10683);
/* harmony import */ var _core_logger_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(89315);
/* harmony import */ var _core_paths_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(31651);
/* harmony import */ var _core_pool_js__WEBPACK_IMPORTED_MODULE_14__ = __webpack_require__(8769);
/* harmony import */ var _manifest_manifest_js__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(69237);
/* harmony import */ var _bundle_verifier_js__WEBPACK_IMPORTED_MODULE_6__ = __webpack_require__(96136);
/* harmony import */ var _bundles_js__WEBPACK_IMPORTED_MODULE_7__ = __webpack_require__(77304);
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_8__ = __webpack_require__(1406);
/* harmony import */ var _legacy_js__WEBPACK_IMPORTED_MODULE_13__ = __webpack_require__(35794);
/* harmony import */ var _sign_file_js__WEBPACK_IMPORTED_MODULE_9__ = __webpack_require__(77103);
/* harmony import */ var _stream_js__WEBPACK_IMPORTED_MODULE_10__ = __webpack_require__(5144);
/* harmony import */ var _subjects_js__WEBPACK_IMPORTED_MODULE_11__ = __webpack_require__(52028);
/* harmony import */ var _timeout_js__WEBPACK_IMPORTED_MODULE_12__ = __webpack_require__(70550);
/**
 * The verify gate (mode: verify, and publish-binaries / promote-images before
 * they write anything): every file must carry a `<file>.sigstore.json` (or the
 * legacy `<file>.sig` + `<file>.cert`) that verifies offline for the required
 * identity or key, and agree with its `.sha256`/`.sha512` when present. Every
 * file is checked; the error lists every failing one.
 */















async function readOptional(file) {
    try {
        return await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.readFile)(file, 'utf8');
    }
    catch (err) {
        if (err.code === 'ENOENT')
            return undefined;
        throw err;
    }
}
/** The bundle to check: `<file>.sigstore.json`, else one rebuilt from `<file>.sig` (+ `.cert`). */
async function signatureOf(file) {
    const text = await readOptional(`${file}${_sign_file_js__WEBPACK_IMPORTED_MODULE_9__/* .BUNDLE_SUFFIX */ .Z}`);
    if (text !== undefined) {
        try {
            return { bundle: (0,_bundles_js__WEBPACK_IMPORTED_MODULE_7__/* .parseBundle */ .QN)(text), via: 'bundle' };
        }
        catch (err) {
            return `${_sign_file_js__WEBPACK_IMPORTED_MODULE_9__/* .BUNDLE_SUFFIX */ .Z} is not a Sigstore bundle (${err.message})`;
        }
    }
    const sig = await readOptional(`${file}.sig`);
    if (sig === undefined)
        return `no ${_sign_file_js__WEBPACK_IMPORTED_MODULE_9__/* .BUNDLE_SUFFIX */ .Z} and no .sig beside it`;
    const cert = await readOptional(`${file}.cert`);
    const der = cert === undefined ? undefined : (0,_legacy_js__WEBPACK_IMPORTED_MODULE_13__/* .certificateDer */ .PK)(Buffer.from(cert.trim(), 'base64').toString('utf8'));
    return {
        via: 'legacy',
        bundle: (0,_sigstore_bundle__WEBPACK_IMPORTED_MODULE_1__.toMessageSignatureBundle)({
            // The legacy pair carries no digest: verifyFile sets the file's own once it is read.
            digest: Buffer.alloc(32),
            signature: Buffer.from(sig.trim(), 'base64'),
            certificate: der,
            certificateChain: false,
        }),
    };
}
async function verifyFile(workspace, subject, verifier) {
    const file = await (0,_core_paths_js__WEBPACK_IMPORTED_MODULE_4__/* .resolveSafe */ .eX)(workspace, subject);
    const found = await signatureOf(file);
    if (typeof found === 'string')
        throw new Error(found);
    const digest = new _stream_js__WEBPACK_IMPORTED_MODULE_10__/* .DigestSink */ .e();
    const check = verifier.begin(found.bundle);
    await (0,_stream_js__WEBPACK_IMPORTED_MODULE_10__/* .readInto */ .P)(file, digest, [check.sink]);
    const digests = await digest.digests();
    if (found.via === 'legacy' && found.bundle.content.$case === 'messageSignature')
        found.bundle.content.messageSignature.messageDigest.digest = Buffer.from(digests.sha256, 'hex');
    const signer = check.finish(digests.sha256);
    await (0,_checksums_verify_js__WEBPACK_IMPORTED_MODULE_2__/* .verifyChecksumFile */ .P)(workspace, subject, digests);
    return {
        path: subject,
        size: digests.size,
        sha256: digests.sha256,
        via: found.via,
        identity: signer.identity?.subjectAlternativeName,
    };
}
async function verifyArtifacts(options, logger) {
    const manifestFiles = options.manifest ? (await (0,_manifest_manifest_js__WEBPACK_IMPORTED_MODULE_5__/* .readManifest */ .WI)(options.manifest)).files : [];
    const subjects = await (0,_subjects_js__WEBPACK_IMPORTED_MODULE_11__/* .findSubjects */ .Pc)({
        workspace: options.workspace,
        files: options.files,
        exclude: options.exclude ?? _subjects_js__WEBPACK_IMPORTED_MODULE_11__/* .DEFAULT_EXCLUDE */ .lx,
        manifestFiles,
    });
    const verifier = new _bundle_verifier_js__WEBPACK_IMPORTED_MODULE_6__/* .BundleVerifier */ .b(options.trust);
    const timeoutMs = options.timeoutMs ?? 180_000;
    const results = await logger.group(`Verify ${subjects.length} file(s)`, async () => {
        const progress = new _core_logger_js__WEBPACK_IMPORTED_MODULE_3__/* .Progress */ .ke(logger, subjects.length);
        return (0,_core_pool_js__WEBPACK_IMPORTED_MODULE_14__/* .settlePool */ ._)(subjects, options.concurrency ?? 10, async (subject) => {
            const verified = await (0,_timeout_js__WEBPACK_IMPORTED_MODULE_12__/* .withTimeout */ .w)(timeoutMs, `verifying ${subject}`, () => verifyFile(options.workspace, subject, verifier));
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
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_8__/* .VerificationError */ .m(`${failures.length} of ${subjects.length} file(s) failed verification`, failures);
    return { files, verified: files.length, digests: Object.fromEntries(files.map((f) => [f.path, f.sha256])) };
}


/***/ }),

/***/ 88174:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   N: () => (/* binding */ witnessesFor),
/* harmony export */   u: () => (/* binding */ witness)
/* harmony export */ });
/* harmony import */ var _sigstore_sign__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(15179);
/* harmony import */ var _core_retry_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(60941);
/* harmony import */ var _services_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(7705);
/* harmony import */ var _timeout_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(70550);




function witnessesFor(endpoints, timeoutMs) {
    const witnesses = [];
    if (endpoints.rekorUrl)
        witnesses.push(new _sigstore_sign__WEBPACK_IMPORTED_MODULE_0__/* .RekorWitness */ .fU({ rekorBaseURL: endpoints.rekorUrl, retry: 0, timeout: timeoutMs, fetchOnConflict: true }));
    if (endpoints.tsaUrl)
        witnesses.push(new _sigstore_sign__WEBPACK_IMPORTED_MODULE_0__/* .TSAWitness */ .gs({ tsaBaseURL: endpoints.tsaUrl, retry: 0, timeout: timeoutMs }));
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
        const what = w instanceof _sigstore_sign__WEBPACK_IMPORTED_MODULE_0__/* .RekorWitness */ .fU ? 'Rekor entry' : 'timestamp';
        return (0,_core_retry_js__WEBPACK_IMPORTED_MODULE_1__/* .withRetry */ .bD)(() => (0,_timeout_js__WEBPACK_IMPORTED_MODULE_3__/* .withTimeout */ .w)(timeoutMs, what, () => w.testify(bundle.content, publicKeyOf(signature))), {
            what,
            isRetryable: _services_js__WEBPACK_IMPORTED_MODULE_2__/* .isOutage */ .uD,
            ...retry,
        });
    }));
    bundle.verificationMaterial.tlogEntries = materials.flatMap((m) => m.tlogEntries ?? []);
    bundle.verificationMaterial.timestampVerificationData = {
        rfc3161Timestamps: materials.flatMap((m) => m.rfc3161Timestamps ?? []),
    };
    return bundle;
}


/***/ })

};
