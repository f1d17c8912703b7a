//! The entry points: instantiate, execute (store parameters and keys, submit proofs) and query.

use cosmwasm_std::{
    entry_point, to_json_binary, Binary, Deps, DepsMut, Env, MessageInfo, Response, StdResult,
    Storage,
};
use serde::Deserialize;
use solvency_circuits::{
    keys::{self, KeyShape, Srs},
    limits::MAX_SHARD_DEPTH,
    proof::{self, SHARDS_PER_PROOF},
    shapes::{Shape, TopShape},
    statement::{field_bytes, Fp, Public, Statement},
};
use solvency_verifier::{
    file::{proof_digest, CircuitParams},
    parse, pinned, verify_using, Proof,
};

use crate::error::ContractError;
use crate::msg::{ChainHead, EpochRecord, ExecuteMsg, InstantiateMsg, QueryMsg};
use crate::state::{self, PAGE};

/// The admin's address.
const ADMIN: &[u8] = b"admin";

/// Records the sender as the admin who stores keys and parameters.
#[entry_point]
pub fn instantiate(
    deps: DepsMut,
    _env: Env,
    info: MessageInfo,
    _msg: InstantiateMsg,
) -> Result<Response, ContractError> {
    deps.storage.set(ADMIN, info.sender.as_bytes());
    Ok(Response::new().add_attribute("admin", info.sender))
}

/// Dispatches each message ([`ExecuteMsg`] says what each does).
#[entry_point]
pub fn execute(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    msg: ExecuteMsg,
) -> Result<Response, ContractError> {
    let sender = info.sender.as_str();
    let height = env.block.height;
    match msg {
        ExecuteMsg::StoreParams { k, offset, chunk } => {
            admin_only(deps.storage, sender)?;
            store_params(deps.storage, k, offset, &chunk)
        }
        ExecuteMsg::StoreKeys { bundle } => {
            admin_only(deps.storage, sender)?;
            store_keys(deps.storage, &bundle)
        }
        ExecuteMsg::SubmitProof { proof } => submit_proof(deps.storage, sender, height, &proof),
        ExecuteMsg::SubmitShard { shard } => submit_shard(deps.storage, sender, height, &shard),
        ExecuteMsg::SubmitSet { proof } => submit_set(deps.storage, sender, height, &proof, true),
        ExecuteMsg::AnchorSet { proof } => submit_set(deps.storage, sender, height, &proof, false),
    }
}

/// Answers [`QueryMsg`]s with JSON.
#[entry_point]
pub fn query(deps: Deps, _env: Env, msg: QueryMsg) -> Result<Binary, ContractError> {
    let value: StdResult<Binary> = match msg {
        QueryMsg::Chain { owner, protocol } => to_json_binary(&state::load::<ChainHead>(
            deps.storage,
            &state::chain_head(&owner, &protocol),
        )?),
        QueryMsg::Epoch {
            owner,
            protocol,
            epoch,
        } => to_json_binary(&state::load::<EpochRecord>(
            deps.storage,
            &state::epoch_record(&owner, &protocol, epoch),
        )?),
    };
    Ok(value?)
}

/// Refuses anyone but the admin.
fn admin_only(storage: &dyn Storage, sender: &str) -> Result<(), ContractError> {
    match storage.get(ADMIN) {
        Some(admin) if admin == sender.as_bytes() => Ok(()),
        _ => Err(ContractError::Unauthorized),
    }
}

/// Appends `chunk` at `offset` to the parameters for `k` (`offset` 0 starts over); when the
/// file is complete, keeps it only if it hashes to the digest pinned for `k`.
fn store_params(
    storage: &mut dyn Storage,
    k: u32,
    offset: u64,
    chunk: &[u8],
) -> Result<Response, ContractError> {
    if pinned::pinned_params(k).is_none() {
        return Err(ContractError::Params(format!(
            "no parameters are pinned for k = {k}"
        )));
    }
    let total = keys::params_len(k);
    let received = match storage.get(&state::params_received(k)) {
        Some(v) => u64::from_be_bytes(
            v.try_into()
                .map_err(|_| ContractError::Params("the stored upload length is damaged".into()))?,
        ),
        None => 0,
    };
    if offset != 0 && offset != received {
        return Err(ContractError::Params(format!(
            "chunk at offset {offset}, but {received} bytes are stored (send offset {received}, or 0 to start over)"
        )));
    }
    let end = offset as usize + chunk.len();
    let whole_pages = chunk.len().is_multiple_of(PAGE);
    if !(offset as usize).is_multiple_of(PAGE) || (end < total && !whole_pages) || end > total {
        return Err(ContractError::Params(format!(
            "chunks must hold whole pages of {PAGE} bytes (but the last) within the {total}-byte file"
        )));
    }
    storage.remove(&state::params_ready(k));
    for (i, page) in chunk.chunks(PAGE).enumerate() {
        let index = (offset as usize / PAGE + i) as u32;
        storage.set(&state::params_page(k, index), page);
    }
    storage.set(&state::params_received(k), &(end as u64).to_be_bytes());
    let mut response = Response::new()
        .add_attribute("params_k", k.to_string())
        .add_attribute("received", end.to_string());
    if end == total {
        let bytes = read_pages(storage, k)?;
        let digest = pinned::params_digest(&bytes);
        if Some(digest.as_str()) != pinned::pinned_params(k) {
            return Err(ContractError::Params(format!(
                "the parameters for k = {k} hash to {digest}, not to their pinned digest"
            )));
        }
        storage.set(&state::params_ready(k), b"1");
        response = response.add_attribute("params_ready", k.to_string());
    }
    Ok(response)
}

/// The stored pages of the parameters for `k`, laid end to end.
fn read_pages(storage: &dyn Storage, k: u32) -> Result<Vec<u8>, ContractError> {
    let total = keys::params_len(k);
    let mut bytes = Vec::with_capacity(total);
    for page in 0..total.div_ceil(PAGE) as u32 {
        let data = storage
            .get(&state::params_page(k, page))
            .ok_or_else(|| ContractError::Params(format!("page {page} for k = {k} is missing")))?;
        bytes.extend_from_slice(&data);
    }
    Ok(bytes)
}

/// The parameters for `k`, read from storage: checked against their pin when stored, and
/// again by [`Srs::read`] (the one reader of parameter bytes; hashing 2 MiB costs a fraction of
/// a percent of a proof's gas, see docs/onchain.md).
fn load_params(storage: &dyn Storage, k: u32) -> Result<Srs, ContractError> {
    if storage.get(&state::params_ready(k)).is_none() {
        return Err(ContractError::Params(format!(
            "the parameters for k = {k} are not stored (the admin stores them with store_params)"
        )));
    }
    Srs::read(&read_pages(storage, k)?)
        .map_err(|e| ContractError::Params(format!("stored parameters for k = {k}: {e}")))
}

/// Keeps each key of `bundle` whose name is a pinned shape and whose bytes hash to its pin;
/// refuses the whole bundle otherwise.
fn store_keys(storage: &mut dyn Storage, bundle: &[u8]) -> Result<Response, ContractError> {
    let entries = keys::entries(bundle)
        .ok_or_else(|| ContractError::Key("the bundle is cut short".into()))?;
    for (name, key) in &entries {
        let name = std::str::from_utf8(name)
            .map_err(|_| ContractError::Key("a key name is not UTF-8".into()))?;
        let (_, pin) = pinned::named(name)
            .ok_or_else(|| ContractError::Key(format!("no key is pinned for {name:?}")))?;
        let got = keys::digest(key);
        if got != pin {
            return Err(ContractError::Key(format!(
                "the key for {name} hashes to {got}, not to its pinned digest {pin}"
            )));
        }
        storage.set(&state::verifying_key(name), key);
    }
    Ok(Response::new().add_attribute("keys_stored", entries.len().to_string()))
}

/// The stored key of `shape`, refused if the admin has not stored it.
fn load_key(storage: &dyn Storage, shape: KeyShape) -> Result<Vec<u8>, ContractError> {
    storage
        .get(&state::verifying_key(&shape.to_string()))
        .ok_or_else(|| {
            ContractError::Key(format!(
                "the key for the {shape} circuit is not stored (the admin stores it with store_keys)"
            ))
        })
}

/// Checks that `statement` extends `owner`'s chain of its protocol: it names the last accepted
/// proof's digest (nothing, for a chain's first epoch), a larger epoch number and a later
/// snapshot time — the rules `solvency-verifier chain` applies.
fn check_chain(
    storage: &dyn Storage,
    owner: &str,
    statement: &Statement,
) -> Result<Option<ChainHead>, ContractError> {
    let public = &statement.public;
    let head: Option<ChainHead> =
        state::load(storage, &state::chain_head(owner, &public.protocol))?;
    let previous = statement.previous.map(hex::encode);
    match (&head, &previous) {
        (None, None) => {}
        (None, Some(p)) => {
            return Err(ContractError::Chain(format!(
                "{:?} has no accepted epoch, but this statement names previous proof {p}",
                public.protocol
            )))
        }
        (Some(h), None) => {
            return Err(ContractError::Chain(format!(
                "this statement names no previous proof, but {:?} already has epoch {} (digest {})",
                public.protocol, h.epoch, h.digest
            )))
        }
        (Some(h), Some(p)) if *p != h.digest => {
            return Err(ContractError::Chain(format!(
                "this statement names previous proof {p}, but the last accepted epoch {} of {:?} has digest {}",
                h.epoch, public.protocol, h.digest
            )))
        }
        (Some(h), Some(_)) if public.epoch <= h.epoch => {
            return Err(ContractError::Chain(format!(
                "epoch {} does not follow the last accepted epoch {}",
                public.epoch, h.epoch
            )))
        }
        (Some(h), Some(_)) if public.timestamp <= h.timestamp => {
            return Err(ContractError::Chain(format!(
                "snapshot time {} is not after the last accepted epoch {}'s {}: time must move \
                 forward along a chain",
                public.timestamp, h.epoch, h.timestamp
            )))
        }
        (Some(_), Some(_)) => {}
    }
    Ok(head)
}

/// Appends an accepted epoch to `owner`'s chain and records it.
fn append(
    storage: &mut dyn Storage,
    owner: &str,
    head: Option<ChainHead>,
    record: EpochRecord,
    protocol: &str,
) -> Result<Response, ContractError> {
    let length = head.map_or(0, |h| h.length) + 1;
    state::save(
        storage,
        &state::chain_head(owner, protocol),
        &ChainHead {
            epoch: record.epoch,
            timestamp: record.timestamp,
            digest: record.digest.clone(),
            length,
        },
    )?;
    state::save(
        storage,
        &state::epoch_record(owner, protocol, record.epoch),
        &record,
    )?;
    Ok(Response::new()
        .add_attribute("protocol", protocol)
        .add_attribute("epoch", record.epoch.to_string())
        .add_attribute("digest", record.digest)
        .add_attribute("verified_on_chain", record.verified_on_chain.to_string()))
}

/// The record of an accepted epoch of `statement`.
fn record(
    statement: &Statement,
    digest: [u8; 32],
    shards: usize,
    verified_on_chain: bool,
    height: u64,
) -> EpochRecord {
    EpochRecord {
        epoch: statement.public.epoch,
        digest: hex::encode(digest),
        previous: statement.previous.map(hex::encode),
        timestamp: statement.public.timestamp,
        reserve_commitment: hex::encode(field_bytes(&statement.reserve_commitment)),
        liabilities_root: hex::encode(field_bytes(&statement.liabilities_root)),
        collateral_ratio_bps: statement.public.policy.collateral_ratio_bps,
        shards: shards as u64,
        verified_on_chain,
        height,
    }
}

/// Verifies a single-proof file with the stored key and parameters and appends its epoch:
/// `solvency_verifier::verify_using`, given the key and parameters read from storage.
fn submit_proof(
    storage: &mut dyn Storage,
    owner: &str,
    height: u64,
    bytes: &[u8],
) -> Result<Response, ContractError> {
    let parsed = parse(bytes).map_err(|e| ContractError::Proof(e.to_string()))?;
    let Proof::Single(file) = &parsed else {
        return Err(ContractError::Proof(
            "a proof set is submitted shard by shard (submit_shard, then submit_set) or anchored (anchor_set)".into(),
        ));
    };
    let head = check_chain(storage, owner, &file.statement)?;
    let srs = load_params(storage, file.circuit.k)?;
    let shape = KeyShape::Single(file.circuit.shape);
    let key = keys::bundle(&[(shape, load_key(storage, shape)?)]);
    let params = |_| Ok(srs.clone());
    let verified =
        verify_using(&key, &params, bytes).map_err(|e| ContractError::Proof(e.to_string()))?;
    let rec = record(&verified.statement, parsed.digest(), 0, true, height);
    append(storage, owner, head, rec, &file.statement.public.protocol)
}

/// One proof of a proof set, as `submit_shard` takes it: the set's public data and shard
/// circuit, the place of the consecutive shards it proves, their links and the proof, each
/// copied from the proof-set file (proof `j` of a `solvency-proof-set/5` or `/4` file proves shards
/// `2j` and `2j + 1`; of a `/3` file, shard `j`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShardMsg {
    /// The set's `statement.public`: what a shard proof is bound to.
    pub public: Public,
    /// The set's `shards.circuit`.
    pub circuit: CircuitParams,
    /// The number of shards of the set.
    pub count: usize,
    /// The index of the first shard the proof proves.
    pub index: usize,
    /// Those shards' entries of `shards.sub_roots`.
    #[serde(with = "solvency_verifier::file::field_list")]
    pub sub_roots: Vec<Fp>,
    /// Those shards' entries of `shards.sums`.
    #[serde(with = "solvency_verifier::file::field_list")]
    pub sums: Vec<Fp>,
    /// The proof's entry of `shards.proofs`, hex.
    pub proof: String,
}

/// Proof bytes from their one spelling, lower-case hex ([`solvency_verifier::proof_bytes`]).
fn proof_bytes(what: &str, text: &str) -> Result<Vec<u8>, ContractError> {
    solvency_verifier::proof_bytes(what, text).map_err(|e| ContractError::Proof(e.to_string()))
}

/// The pinned key of `shape`, loaded from storage for `public` with the parameters `srs`
/// ([`solvency_verifier::pinned_key`]).
fn pinned_vk(
    storage: &dyn Storage,
    srs: &Srs,
    shape: KeyShape,
    public: &Public,
    named: &str,
) -> Result<halo2_proofs::plonk::VerifyingKey<proof::Curve>, ContractError> {
    let key = keys::bundle(&[(shape, load_key(storage, shape)?)]);
    solvency_verifier::pinned_key("circuit", &key, srs, shape, public, named)
        .map(|(vk, _)| vk)
        .map_err(|e| ContractError::Key(e.to_string()))
}

/// Verifies one proof of consecutive shards against their places in their set and records
/// each of them for `owner`, with the digest of the proof that verified it
/// ([`state::VerifiedShard`]).
fn submit_shard(
    storage: &mut dyn Storage,
    owner: &str,
    height: u64,
    bytes: &[u8],
) -> Result<Response, ContractError> {
    let msg: ShardMsg = serde_json::from_slice(bytes)
        .map_err(|e| ContractError::Proof(format!("shard message: {e}")))?;
    // The count first: a top shape is computed from it (a power of two at least as large).
    if !(2..=1 << MAX_SHARD_DEPTH).contains(&msg.count) || msg.index >= msg.count {
        return Err(ContractError::Proof(format!(
            "shard {} of {}: a set has 2 to {} shards, and the index is below their count",
            msg.index,
            msg.count,
            1 << MAX_SHARD_DEPTH
        )));
    }
    let shape: Shape = msg.circuit.shape;
    let key_shape = KeyShape::Shard(shape);
    if !key_shape.is_pinned() || !shape.fits(&msg.public) || msg.circuit.k != shape.shard_k() {
        return Err(ContractError::Proof(format!(
            "shard circuit {shape:?} at k = {} is not a pinned shard circuit for this statement",
            msg.circuit.k
        )));
    }
    if !KeyShape::Top(TopShape::for_shards(shape, msg.count)).is_pinned() {
        return Err(ContractError::Proof(format!(
            "shard {} of {}: no pinned top circuit covers that set",
            msg.index, msg.count
        )));
    }
    let links = solvency_verifier::file::links(&msg.sub_roots, &msg.sums).unwrap_or_default();
    if links.is_empty() || links.len() > SHARDS_PER_PROOF {
        return Err(ContractError::Proof(format!(
            "{} sub-roots and {} sums: a proof covers 1 to {SHARDS_PER_PROOF} shards",
            msg.sub_roots.len(),
            msg.sums.len()
        )));
    }
    solvency_verifier::check_len("shard proof", key_shape, links.len(), &msg.proof)
        .map_err(|e| ContractError::Proof(e.to_string()))?;
    let proof = proof_bytes("shard proof", &msg.proof)?;
    let srs = load_params(storage, msg.circuit.k)?;
    let vk = pinned_vk(
        storage,
        &srs,
        key_shape,
        &msg.public,
        &msg.circuit.vk_digest,
    )?;
    let (first, count) = (msg.index, msg.count);
    let shards = first..first + links.len();
    proof::verify_shard_run(srs.params(), &vk, &msg.public, first, count, &links, &proof)
        .map_err(|e| ContractError::Proof(format!("shards {shards:?} do not verify: {e}")))?;
    let set = state::ShardSet {
        owner,
        public_digest: field_bytes(&msg.public.digest()),
        shard_key: shard_key(key_shape)?,
        count,
    };
    let verified = state::VerifiedShard {
        height,
        first: first as u64,
        shards: links.len() as u64,
        proof: hex::encode(proof_digest(&proof)),
    };
    for (index, link) in shards.clone().zip(&links) {
        state::save(storage, &set.record_key(index, link), &verified)?;
    }
    Ok(Response::new()
        .add_attribute("protocol", &msg.public.protocol)
        .add_attribute("epoch", msg.public.epoch.to_string())
        .add_attribute(
            "shards",
            format!("{}..{} of {count}", shards.start, shards.end),
        ))
}

/// What a verified shard's records are filed under for its circuit: the digest pinned for the
/// shard key (which fixes the shard depth), so that records made under one key never stand
/// for another, even one of the same name.
fn shard_key(shape: KeyShape) -> Result<String, ContractError> {
    pinned::key_digest(shape)
        .map(str::to_owned)
        .map_err(|e| ContractError::Key(e.to_string()))
}

/// Appends a proof set's epoch: with `verify`, only when every proof in the file is one that
/// verified here for `owner`, at the same place, for the same shards ([`state::VerifiedShard`]),
/// and after verifying the top proof — so the digest recorded is of a file every off-chain
/// verifier accepts; without, anchored (parsed, pinned keys named, every proof of the right
/// length, chain checked) and marked not verified on-chain.
fn submit_set(
    storage: &mut dyn Storage,
    owner: &str,
    height: u64,
    bytes: &[u8],
    verify: bool,
) -> Result<Response, ContractError> {
    let parsed = parse(bytes).map_err(|e| ContractError::Proof(e.to_string()))?;
    let Proof::Set(file) = &parsed else {
        return Err(ContractError::Proof(
            "a single proof is submitted with submit_proof".into(),
        ));
    };
    let statement = &file.statement;
    let head = check_chain(storage, owner, statement)?;
    let links = file.shards.links();
    let (shard_proofs, top_proof) = solvency_verifier::set_proof_bytes(file)
        .map_err(|e| ContractError::Proof(e.to_string()))?;
    if verify {
        let set = state::ShardSet {
            owner,
            public_digest: field_bytes(&statement.public.digest()),
            shard_key: shard_key(KeyShape::Shard(file.shards.circuit.shape))?,
            count: links.len(),
        };
        for (j, proof) in shard_proofs.iter().enumerate() {
            let run = proof::proof_shards(j, set.count, file.shards_per_proof());
            let (first, shards) = (run.start as u64, run.len() as u64);
            let digest = hex::encode(proof_digest(proof));
            for index in run {
                let key = set.record_key(index, &links[index]);
                let Some(record) = state::load::<state::VerifiedShard>(storage, &key)? else {
                    return Err(ContractError::ShardMissing { index });
                };
                if (record.first, record.shards) != (first, shards) || record.proof != digest {
                    return Err(ContractError::ShardProofDiffers { index, proof: j });
                }
            }
        }
        let srs = load_params(storage, file.top.k)?;
        let shape = KeyShape::Top(file.top.shape);
        let vk = pinned_vk(storage, &srs, shape, &statement.public, &file.top.vk_digest)?;
        let binding = file.top_binding();
        proof::verify_top(
            srs.params(),
            &vk,
            file.top.shape,
            binding,
            statement,
            &links,
            &top_proof,
        )
        .map_err(|e| ContractError::Proof(format!("the top proof does not verify: {e}")))?;
    }
    let rec = record(statement, parsed.digest(), links.len(), verify, height);
    append(storage, owner, head, rec, &statement.public.protocol)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cosmwasm_std::testing::MockStorage;

    /// A chain's next epoch must have a later snapshot time, as `solvency-verifier chain` and
    /// `prove --previous` require: a verified epoch whose time goes backwards is refused.
    #[test]
    fn time_must_move_forward_along_a_chain() {
        let file = include_bytes!("../../../../fixtures/chain/epoch-8.json");
        let statement = parse(file).unwrap().statement().clone();
        let previous = hex::encode(statement.previous.unwrap());
        let mut storage = MockStorage::new();
        let head = |timestamp| ChainHead {
            epoch: 7,
            timestamp,
            digest: previous.clone(),
            length: 1,
        };
        let at = state::chain_head("vault", &statement.public.protocol);
        let t = statement.public.timestamp;
        state::save(&mut storage, &at, &head(t - 86_400)).unwrap();
        assert!(check_chain(&storage, "vault", &statement).is_ok());
        for later in [t, t + 1] {
            state::save(&mut storage, &at, &head(later)).unwrap();
            let e = check_chain(&storage, "vault", &statement).unwrap_err();
            assert!(e.to_string().contains("time must move forward"), "{e}");
        }
    }
}
