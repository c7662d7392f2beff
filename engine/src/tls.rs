//! HTTPS on the LAN: a local certificate authority and the server's certificate.
//!
//! Phones allow the camera only in a secure context, and a Pi on a LAN has no
//! name a public authority would certify. `reelsync https enable` makes a
//! certificate authority of the mill's own, once, and a server certificate it
//! signs for this machine's names and LAN addresses. A phone that installs the
//! authority's certificate (the `/https` page offers it) trusts the server.
//!
//! Everything lives in `DATA_DIR/tls`, each file mode 0600. Enabling again keeps
//! the authority (phones that trust it go on trusting) and issues a new server
//! certificate, for the names the machine has now; disabling removes only the
//! server certificate.

use std::fs;
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use chrono::{Datelike, Duration, NaiveDate, Utc};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SanType,
};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// Days a server certificate is valid: phones refuse one valid for longer than
/// 825 days (Apple's limit, which Chrome on Android follows).
pub const SERVER_CERT_DAYS: i64 = 825;

/// Days the authority is valid: about 20 years, so that phones need it once.
const AUTHORITY_DAYS: i64 = 7300;

const DIR: &str = "tls";
const AUTHORITY_CERT: &str = "ca.crt";
const AUTHORITY_KEY: &str = "ca.key";
const SERVER_CERT: &str = "server.crt";
const SERVER_KEY: &str = "server.key";

/// The names and addresses a server certificate is issued for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerNames {
    /// Host names: this machine's, its mDNS name (`<host>.local`), `localhost`.
    pub dns: Vec<String>,
    /// Its addresses, loopback included.
    pub addresses: Vec<IpAddr>,
}

impl ServerNames {
    /// This machine's host name and every address of its network interfaces.
    pub fn of_this_machine() -> Self {
        let mut dns = Vec::new();
        if let Some(host) = host_name() {
            dns.push(format!("{host}.local"));
            dns.push(host);
        }
        dns.push("localhost".to_owned());
        let mut addresses: Vec<IpAddr> = if_addrs::get_if_addrs()
            .map(|interfaces| interfaces.iter().map(|i| i.ip()).collect())
            .unwrap_or_default();
        addresses.extend([
            IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(Ipv6Addr::LOCALHOST),
        ]);
        addresses.sort();
        addresses.dedup();
        dns.dedup();
        Self { dns, addresses }
    }
}

/// This machine's host name, when it has a usable one. From gethostname(2), not
/// /proc: the service's sandbox (`ProcSubset=pid`) hides /proc/sys.
fn host_name() -> Option<String> {
    let mut buffer = [0u8; 256];
    // SAFETY: the buffer is writable for its whole length, which is passed.
    let status = unsafe { libc::gethostname(buffer.as_mut_ptr().cast(), buffer.len()) };
    if status != 0 {
        return None;
    }
    let end = buffer.iter().position(|b| *b == 0).unwrap_or(buffer.len());
    let name = std::str::from_utf8(&buffer[..end])
        .ok()?
        .trim()
        .to_ascii_lowercase();
    let usable = !name.is_empty()
        && name != "localhost"
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    usable.then_some(name)
}

/// The server's certificate and key, and the authority's certificate, in PEM.
#[derive(Clone)]
pub struct ServerIdentity {
    pub cert_pem: String,
    pub key_pem: String,
    pub authority: Authority,
}

impl std::fmt::Debug for ServerIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key.
        f.debug_struct("ServerIdentity")
            .field("authority", &self.authority)
            .finish_non_exhaustive()
    }
}

/// The local authority's certificate, as phones install it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authority {
    pub cert_pem: String,
    /// DER, for `/ca.crt` (what Android and iOS install).
    pub cert_der: Vec<u8>,
    /// SHA-256 of the DER, as colon-separated upper-case hex pairs: what a
    /// phone's certificate details show.
    pub fingerprint: String,
}

impl Authority {
    fn from_pem(cert_pem: String) -> Result<Self> {
        let der = pem_contents(&cert_pem)?;
        Ok(Self {
            fingerprint: fingerprint(&der),
            cert_der: der,
            cert_pem,
        })
    }
}

/// What `enable` did.
#[derive(Debug, Clone)]
pub struct Enabled {
    /// Whether the authority was made now (phones must install it) or kept.
    pub new_authority: bool,
    pub identity: ServerIdentity,
    pub names: ServerNames,
    /// The last day the server certificate is valid.
    pub valid_until: NaiveDate,
}

/// Makes the authority if there is none, and a new server certificate for
/// `names`.
pub fn enable(data_dir: &Path, names: &ServerNames) -> Result<Enabled> {
    let dir = dir(data_dir);
    fs::create_dir_all(&dir).map_err(|source| io(&dir, "create", source))?;
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o700))
        .map_err(|source| io(&dir, "restrict", source))?;
    let new_authority = !dir.join(AUTHORITY_KEY).exists();
    if new_authority {
        make_authority(&dir)?;
    }
    let authority_pem = read(&dir.join(AUTHORITY_CERT))?;
    let authority_key = key_pair(&read(&dir.join(AUTHORITY_KEY))?)?;
    let issuer = Issuer::from_ca_cert_pem(&authority_pem, &authority_key).map_err(cert_error)?;

    let key = KeyPair::generate().map_err(cert_error)?;
    let mut params = CertificateParams::new(names.dns.clone()).map_err(cert_error)?;
    params.subject_alt_names.extend(
        names
            .addresses
            .iter()
            .map(|address| SanType::IpAddress(*address)),
    );
    params.distinguished_name.push(
        DnType::CommonName,
        names.dns.first().map_or("reelsync", String::as_str),
    );
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    // From yesterday, against a phone whose clock is a little behind.
    let from = Utc::now().date_naive() - Duration::days(1);
    let valid_until = from + Duration::days(SERVER_CERT_DAYS - 1);
    set_validity(&mut params, from, valid_until);
    let cert = params.signed_by(&key, &issuer).map_err(cert_error)?;

    let (cert_pem, key_pem) = (cert.pem(), key.serialize_pem());
    write_secret(&dir.join(SERVER_KEY), &key_pem)?;
    write_secret(&dir.join(SERVER_CERT), &cert_pem)?;
    Ok(Enabled {
        new_authority,
        identity: ServerIdentity {
            cert_pem,
            key_pem,
            authority: Authority::from_pem(authority_pem)?,
        },
        names: names.clone(),
        valid_until,
    })
}

/// Removes the server certificate: the server no longer serves HTTPS after its
/// next start. The authority stays, for the next `enable`. Whether there was
/// one to remove.
pub fn disable(data_dir: &Path) -> Result<bool> {
    let dir = dir(data_dir);
    let mut removed = false;
    for name in [SERVER_CERT, SERVER_KEY] {
        let path = dir.join(name);
        match fs::remove_file(&path) {
            Ok(()) => removed = true,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => return Err(io(&path, "remove", source)),
        }
    }
    Ok(removed)
}

/// Whether HTTPS is enabled: there is a server certificate.
pub fn is_enabled(data_dir: &Path) -> bool {
    dir(data_dir).join(SERVER_CERT).exists()
}

/// The server's identity, when HTTPS is enabled.
pub fn server_identity(data_dir: &Path) -> Result<Option<ServerIdentity>> {
    if !is_enabled(data_dir) {
        return Ok(None);
    }
    let dir = dir(data_dir);
    Ok(Some(ServerIdentity {
        cert_pem: read(&dir.join(SERVER_CERT))?,
        key_pem: read(&dir.join(SERVER_KEY))?,
        authority: Authority::from_pem(read(&dir.join(AUTHORITY_CERT))?)?,
    }))
}

/// The authority's certificate, when there is one (HTTPS enabled once).
pub fn authority(data_dir: &Path) -> Result<Option<Authority>> {
    let path = dir(data_dir).join(AUTHORITY_CERT);
    if !path.exists() {
        return Ok(None);
    }
    Authority::from_pem(read(&path)?).map(Some)
}

fn make_authority(dir: &Path) -> Result<()> {
    let key = KeyPair::generate().map_err(cert_error)?;
    let mut params = CertificateParams::default();
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    // A name of its own per machine: a phone lists the authorities it trusts
    // by name, and two mills' Pis must not look the same.
    let mark = &fingerprint(key.public_key_raw())[..11];
    let host = host_name().unwrap_or_else(|| "reelsync".to_owned());
    params
        .distinguished_name
        .push(DnType::CommonName, format!("reelsync on {host} ({mark})"));
    params
        .distinguished_name
        .push(DnType::OrganizationName, "reelsync local authority");
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let from = Utc::now().date_naive() - Duration::days(1);
    set_validity(&mut params, from, from + Duration::days(AUTHORITY_DAYS));
    let cert = params.self_signed(&key).map_err(cert_error)?;
    write_secret(&dir.join(AUTHORITY_KEY), &key.serialize_pem())?;
    write_secret(&dir.join(AUTHORITY_CERT), &cert.pem())
}

fn set_validity(params: &mut CertificateParams, from: NaiveDate, until: NaiveDate) {
    // Months and days are 1..=12 and 1..=31: they fit a u8.
    let day =
        |date: NaiveDate| rcgen::date_time_ymd(date.year(), date.month() as u8, date.day() as u8);
    params.not_before = day(from);
    params.not_after = day(until);
}

fn fingerprint(der: &[u8]) -> String {
    Sha256::digest(der)
        .iter()
        .map(|byte| format!("{byte:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// The DER inside a single-certificate PEM.
fn pem_contents(text: &str) -> Result<Vec<u8>> {
    pem::parse(text)
        .map(pem::Pem::into_contents)
        .map_err(|err| Error::Internal(format!("a stored certificate is not PEM: {err}")))
}

fn key_pair(pem: &str) -> Result<KeyPair> {
    KeyPair::from_pem(pem).map_err(cert_error)
}

fn read(path: &Path) -> Result<String> {
    fs::read_to_string(path).map_err(|source| io(path, "read", source))
}

/// Writes a file only reelsync's user may read, replacing any there.
fn write_secret(path: &Path, contents: &str) -> Result<()> {
    let temporary = path.with_extension("new");
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&temporary)
        .map_err(|source| io(&temporary, "create", source))?;
    file.write_all(contents.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|source| io(&temporary, "write", source))?;
    fs::rename(&temporary, path).map_err(|source| io(path, "replace", source))
}

fn io(path: &Path, verb: &str, source: std::io::Error) -> Error {
    Error::Io {
        context: format!("cannot {verb} {}", path.display()),
        source,
    }
}

fn cert_error(err: rcgen::Error) -> Error {
    Error::Internal(format!("making a certificate: {err}"))
}

/// Where the TLS files are, for messages.
pub fn dir(data_dir: &Path) -> PathBuf {
    data_dir.join(DIR)
}

impl crate::Engine {
    /// Turns HTTPS on for this machine's names and addresses now ([`enable`]),
    /// logged as `by`. The server serves it once told to: the web's switch tells
    /// it at once, the command line at its next start.
    pub fn enable_https(&self, by: &crate::Actor) -> Result<Enabled> {
        let enabled = enable(self.data_dir(), &ServerNames::of_this_machine())?;
        let detail = serde_json::json!({
            "fingerprint": enabled.identity.authority.fingerprint,
            "new_authority": enabled.new_authority,
            "valid_until": enabled.valid_until,
        })
        .to_string();
        self.log_https(by, "https.enable", Some(&detail))?;
        Ok(enabled)
    }

    /// Turns HTTPS off ([`disable`]), logged as `by` when it was on. Whether it was.
    pub fn disable_https(&self, by: &crate::Actor) -> Result<bool> {
        let was_on = disable(self.data_dir())?;
        if was_on {
            self.log_https(by, "https.disable", None)?;
        }
        Ok(was_on)
    }

    fn log_https(&self, by: &crate::Actor, action: &str, detail: Option<&str>) -> Result<()> {
        self.log_activity(by, action, "https", detail, crate::ActivityOutcome::Done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> ServerNames {
        ServerNames {
            dns: vec!["mill-pi.local".into(), "mill-pi".into(), "localhost".into()],
            addresses: vec![
                IpAddr::from([192, 168, 1, 20]),
                IpAddr::V4(Ipv4Addr::LOCALHOST),
            ],
        }
    }

    fn parse(pem: &str) -> Vec<u8> {
        pem_contents(pem).unwrap()
    }

    #[test]
    fn enable_issues_a_certificate_for_the_names_signed_by_the_local_authority() {
        let data = tempfile::tempdir().unwrap();
        let enabled = enable(data.path(), &names()).unwrap();
        assert!(enabled.new_authority);

        let der = parse(&enabled.identity.cert_pem);
        let (_, cert) = x509_parser::parse_x509_certificate(&der).unwrap();
        let authority_der = enabled.identity.authority.cert_der.clone();
        let (_, authority) = x509_parser::parse_x509_certificate(&authority_der).unwrap();
        assert!(authority.is_ca());
        assert_eq!(cert.issuer(), authority.subject());
        cert.verify_signature(Some(authority.public_key())).unwrap();

        use x509_parser::extensions::GeneralName;
        let alt = cert.subject_alternative_name().unwrap().unwrap().value;
        let dns: Vec<&str> = alt
            .general_names
            .iter()
            .filter_map(|name| match name {
                GeneralName::DNSName(name) => Some(*name),
                _ => None,
            })
            .collect();
        let addresses: Vec<&[u8]> = alt
            .general_names
            .iter()
            .filter_map(|name| match name {
                GeneralName::IPAddress(address) => Some(*address),
                _ => None,
            })
            .collect();
        assert_eq!(dns, ["mill-pi.local", "mill-pi", "localhost"]);
        assert_eq!(addresses, [&[192, 168, 1, 20][..], &[127, 0, 0, 1][..]]);
        let validity = cert.validity();
        let days = (validity.not_after.timestamp() - validity.not_before.timestamp()) / 86_400;
        assert!(days <= SERVER_CERT_DAYS, "valid {days} days");
        assert!(validity.is_valid());
    }

    #[test]
    fn enabling_again_keeps_the_authority_and_issues_a_new_certificate() {
        let data = tempfile::tempdir().unwrap();
        let first = enable(data.path(), &names()).unwrap();
        let second = enable(data.path(), &names()).unwrap();
        assert!(!second.new_authority);
        assert_eq!(first.identity.authority, second.identity.authority);
        assert_ne!(first.identity.cert_pem, second.identity.cert_pem);
        let stored = server_identity(data.path()).unwrap().unwrap();
        assert_eq!(stored.cert_pem, second.identity.cert_pem);
    }

    #[test]
    fn every_file_is_for_reelsync_alone() {
        let data = tempfile::tempdir().unwrap();
        enable(data.path(), &names()).unwrap();
        let dir = dir(data.path());
        assert_eq!(
            fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
            0o700
        );
        for name in [AUTHORITY_CERT, AUTHORITY_KEY, SERVER_CERT, SERVER_KEY] {
            let mode = fs::metadata(dir.join(name)).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{name}");
        }
    }

    #[test]
    fn disable_removes_the_certificate_and_keeps_the_authority() {
        let data = tempfile::tempdir().unwrap();
        assert!(!disable(data.path()).unwrap());
        let enabled = enable(data.path(), &names()).unwrap();
        assert!(disable(data.path()).unwrap());
        assert!(server_identity(data.path()).unwrap().is_none());
        assert_eq!(
            authority(data.path()).unwrap().unwrap(),
            enabled.identity.authority
        );
    }

    #[test]
    fn this_machines_names_include_its_host_name_and_loopback() {
        let names = ServerNames::of_this_machine();
        assert!(names.dns.contains(&"localhost".to_owned()));
        assert!(names.addresses.contains(&IpAddr::V4(Ipv4Addr::LOCALHOST)));
        // The kernel's own record of it, as an unsandboxed test may read it.
        let host = fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
        let host = host.trim().to_ascii_lowercase();
        if !host.is_empty() && host != "localhost" {
            assert!(names.dns.contains(&host), "{:?} lacks {host}", names.dns);
            assert!(names.dns.contains(&format!("{host}.local")));
        }
    }

    #[test]
    fn the_fingerprint_is_the_sha256_of_the_der() {
        let data = tempfile::tempdir().unwrap();
        let authority = enable(data.path(), &names()).unwrap().identity.authority;
        assert_eq!(authority.fingerprint.len(), 32 * 3 - 1);
        let hex: String = authority.fingerprint.split(':').collect();
        let expected: String = Sha256::digest(&authority.cert_der)
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect();
        assert_eq!(hex, expected);
    }
}
