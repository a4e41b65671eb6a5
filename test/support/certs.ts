import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { tempDir } from "./ports.ts";
import { runTool } from "./process.ts";
import type { PrometheusTlsOptions } from "./prometheusConfig.ts";

/**
 * Test certificates made with the openssl CLI (EC P-256 keys: generation takes milliseconds, unlike RSA).
 * Everything is valid for ten years except `expiredServer`, which OpenSSL 3.0 can only make through
 * `openssl ca -startdate/-enddate` (it refuses `x509 -days 0` and negative days).
 */

/** A certificate and its key, as file paths (for Prometheus) and PEM text (for Node clients). */
export interface CertificateFiles {
  /** Path of the PEM certificate. */
  certFile: string;
  /** Path of the PEM private key (PKCS#8, unencrypted). */
  keyFile: string;
  /** PEM certificate text. */
  cert: string;
  /** PEM private key text. */
  key: string;
}

/** The set made by {@link makeCertificates}. */
export interface TestCertificates {
  /** Directory holding every file. */
  dir: string;
  /** The test CA: trust anchor for the certificates below unless noted. */
  ca: CertificateFiles;
  /** Server certificate for IP:127.0.0.1 and DNS:localhost. */
  server: CertificateFiles;
  /** Client certificate (extendedKeyUsage clientAuth, CN promfleet-test-client) for mTLS. */
  client: CertificateFiles;
  /** An unrelated CA, for "unknown authority" tests. */
  foreignCa: CertificateFiles;
  /** Server certificate for 127.0.0.1/localhost signed by `foreignCa`, not by `ca`. */
  foreignServer: CertificateFiles;
  /** Server certificate signed by `ca` for DNS:wrong.example only (no IP SAN): a name mismatch. */
  wrongNameServer: CertificateFiles;
  /** Server certificate for 127.0.0.1/localhost signed by `ca`, valid only during January 2020. */
  expiredServer: CertificateFiles;
}

/** A self-contained openssl config, so the system's openssl.cnf defaults do not leak in. */
function opensslConfig(dir: string): string {
  return `[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = promfleet-test
[ ca_ext ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ server_ext ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
[ wrong_name_ext ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:wrong.example
[ client_ext ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
[ ca ]
default_ca = test_ca
[ test_ca ]
database = ${join(dir, "index.txt")}
serial = ${join(dir, "serial")}
new_certs_dir = ${dir}
default_md = sha256
policy = policy_any
unique_subject = no
copy_extensions = none
[ policy_any ]
commonName = supplied
`;
}

const EC_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

/** Generates every certificate into `dir`. */
async function generate(dir: string): Promise<TestCertificates> {
  const cnf = join(dir, "openssl.cnf");
  const path = (name: string, ext: string) => join(dir, `${name}.${ext}`);
  await writeFile(cnf, opensslConfig(dir));
  await writeFile(join(dir, "index.txt"), "");
  await writeFile(join(dir, "serial"), "7E57\n");
  const openssl = (args: string[]) => runTool("openssl", args);

  const makeCa = (name: string, cn: string) =>
    openssl(
      [
        "req",
        "-x509",
        "-config",
        cnf,
        "-extensions",
        "ca_ext",
        ...EC_KEY,
        "-keyout",
        path(name, "key"),
      ].concat(["-out", path(name, "crt"), "-subj", `/CN=${cn}`, "-days", "3650", "-sha256"]),
    );
  const makeCsr = (name: string, cn: string) =>
    openssl(
      ["req", "-new", "-config", cnf, ...EC_KEY, "-keyout", path(name, "key")].concat([
        "-out",
        path(name, "csr"),
        "-subj",
        `/CN=${cn}`,
      ]),
    );
  let serial = 1;
  const sign = (name: string, ca: string, extensions: string) =>
    openssl(
      ["x509", "-req", "-in", path(name, "csr"), "-CA", path(ca, "crt"), "-CAkey", path(ca, "key")]
        .concat(["-set_serial", String(serial++), "-days", "3650", "-sha256", "-extfile", cnf])
        .concat(["-extensions", extensions, "-out", path(name, "crt")]),
    );

  await Promise.all([makeCa("ca", "promfleet-test-ca"), makeCa("foreign-ca", "promfleet-foreign-ca")]);
  await Promise.all([
    makeCsr("server", "localhost"),
    makeCsr("client", "promfleet-test-client"),
    makeCsr("foreign-server", "localhost"),
    makeCsr("wrong-name-server", "wrong.example"),
    makeCsr("expired-server", "localhost"),
  ]);
  await Promise.all([
    sign("server", "ca", "server_ext"),
    sign("client", "ca", "client_ext"),
    sign("foreign-server", "foreign-ca", "server_ext"),
    sign("wrong-name-server", "ca", "wrong_name_ext"),
    // Dates in the past are only accepted by `openssl ca`; `-notext` keeps the file pure PEM.
    openssl(
      ["ca", "-batch", "-config", cnf, "-cert", path("ca", "crt"), "-keyfile", path("ca", "key")]
        .concat(["-extensions", "server_ext", "-startdate", "20200101000000Z", "-enddate", "20200201000000Z"])
        .concat(["-notext", "-in", path("expired-server", "csr"), "-out", path("expired-server", "crt")]),
    ),
  ]);

  const load = async (name: string): Promise<CertificateFiles> => ({
    certFile: path(name, "crt"),
    keyFile: path(name, "key"),
    cert: await readFile(path(name, "crt"), "utf8"),
    key: await readFile(path(name, "key"), "utf8"),
  });
  const [ca, server, client, foreignCa, foreignServer, wrongNameServer, expiredServer] = await Promise.all(
    ["ca", "server", "client", "foreign-ca", "foreign-server", "wrong-name-server", "expired-server"].map(
      load,
    ),
  );
  if (!ca || !server || !client || !foreignCa || !foreignServer || !wrongNameServer || !expiredServer) {
    throw new Error("makeCertificates: a certificate is missing");
  }
  return { dir, ca, server, client, foreignCa, foreignServer, wrongNameServer, expiredServer };
}

/** Generated sets by directory ("" for the per-process temporary one). */
const cache = new Map<string, Promise<TestCertificates>>();

/**
 * Returns the test certificates, generating them on first use in this process (~100 ms of openssl runs).
 * Without `dir` they live in a temporary directory removed at process exit, so do not delete it yourself.
 */
export function makeCertificates(dir?: string): Promise<TestCertificates> {
  const key = dir === undefined ? "" : resolve(dir);
  let pending = cache.get(key);
  if (!pending) {
    pending = (async () => {
      let target = key;
      if (target === "") target = (await tempDir("certs")).path;
      else await mkdir(target, { recursive: true });
      return generate(target);
    })();
    // A failed attempt is not memoised, so the next caller retries (and sees its own error).
    pending.catch(() => cache.delete(key));
    cache.set(key, pending);
  }
  return pending;
}

/**
 * The `tls` options of a test Prometheus that requires and verifies a client certificate: it serves
 * `server`, trusts clients signed by `ca`, and the launcher's own probes present `client` (without it,
 * they could not tell a ready server from one refusing them).
 */
export function mutualTlsOptions(certs: TestCertificates): PrometheusTlsOptions {
  return {
    certFile: certs.server.certFile,
    keyFile: certs.server.keyFile,
    clientCaFile: certs.ca.certFile,
    requireClientCert: true,
    caFile: certs.ca.certFile,
    clientCertFile: certs.client.certFile,
    clientKeyFile: certs.client.keyFile,
  };
}
