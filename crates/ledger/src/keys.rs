//! The ledger's signing key on disk: `keys/ledger.key` (signer key, mode 0600) and
//! `keys/ledger.vkey` (verifier key, safe to publish).

use crate::error::{Error, IoContext, Result};
use crate::layout::Layout;
use crate::note::{NoteSigner, NoteVerifier};
use crate::storage;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// Generates a key named `name` and stores it. Refuses to overwrite an existing key
/// unless `force`, because checkpoints signed by a lost key can no longer be extended.
pub fn keygen(layout: &Layout, name: &str, force: bool) -> Result<NoteVerifier> {
    let signer = NoteSigner::generate(name)?;
    let sk = layout.signer_key();
    if sk.exists() && !force {
        return Err(Error::KeyExists(sk));
    }
    let dir = layout.keys();
    std::fs::create_dir_all(&dir).at(&dir)?;
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).at(&dir)?;
    storage::replace_file(
        &sk,
        format!("{}\n", signer.to_key_string()).as_bytes(),
        0o600,
    )
    .at(&sk)?;
    let verifier = signer.verifier();
    let vk = layout.verifier_key();
    storage::replace_file(
        &vk,
        format!("{}\n", verifier.to_key_string()).as_bytes(),
        0o644,
    )
    .at(&vk)?;
    Ok(verifier)
}

/// Loads the signer key, refusing one that other users can read.
pub fn load_signer(layout: &Layout) -> Result<NoteSigner> {
    let p = layout.signer_key();
    let meta = std::fs::metadata(&p).at(&p)?;
    if meta.permissions().mode() & 0o077 != 0 {
        return Err(Error::Field {
            field: "key",
            message: format!("{} is readable by other users; chmod 600 it", p.display()),
        });
    }
    let s = std::fs::read_to_string(&p).at(&p)?;
    Ok(NoteSigner::from_key_string(s.trim())?)
}

/// Loads a verifier key file (`<name>+<id>+<base64>`).
pub fn load_verifier(path: &Path) -> Result<NoteVerifier> {
    let s = std::fs::read_to_string(path).at(path)?;
    Ok(NoteVerifier::from_key_string(s.trim())?)
}
