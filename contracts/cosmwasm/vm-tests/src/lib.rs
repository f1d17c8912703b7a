//! The contract in `cosmwasm-vm` (wasmer singlepass, with CosmWasm's metering), metered as a
//! wasmd chain meters a transaction, so the tests measure the gas a chain would charge.
//!
//! CosmWasm gas: 115 per wasm operator, 1,610 per branch or call (cosmwasm-vm's
//! `wasm_backend/engine.rs`), plus host functions (`GasConfig`). Storage is metered by wasmd's
//! KV store in Cosmos SDK gas (`KVGasConfig`: a read 1,000 + 3 per byte of key and value, a
//! write 2,000 + 30 per byte, a delete 1,000): [`ChainStorage`] charges exactly that, converted
//! at wasmd's multiplier ([`GAS_MULTIPLIER`]) so the VM counts it against the same limit. wasmd
//! also charges a setup cost per call ([`INSTANCE_COST`]) and the auth module 10 SDK gas per
//! transaction byte ([`TX_BYTE_COST`]); [`Gas`] reports them beside the VM's count.

use std::collections::BTreeMap;

use cosmwasm_std::{ContractResult, Env, MessageInfo, Response};
use cosmwasm_vm::{
    call_execute, call_instantiate, call_query,
    testing::{mock_backend, MockApi, MockQuerier},
    Backend, BackendError, BackendResult, GasInfo, Instance, InstanceOptions, Size, Storage,
};

/// CosmWasm gas per Cosmos SDK gas: wasmd `x/wasm/types/gas_register.go`,
/// `DefaultGasMultiplier = 140_000` (140,000,000 before CosmWasm 2.0).
pub const GAS_MULTIPLIER: u64 = 140_000;
/// SDK gas wasmd charges to set up a contract call that is not pinned in memory
/// (`DefaultInstanceCost`).
pub const INSTANCE_COST: u64 = 60_000;
/// SDK gas per transaction byte (`x/auth` `TxSizeCostPerByte` default).
pub const TX_BYTE_COST: u64 = 10;
/// The memory wasmd gives a contract instance (its `ContractMemoryLimit`, 32 MiB).
pub const MEMORY_LIMIT_MIB: usize = 32;
/// The largest transaction CometBFT's mempool accepts by default (`mempool.max_tx_bytes`).
pub const MAX_TX_BYTES: usize = 1024 * 1024;

/// Contract storage metered with wasmd's KV gas: the costs go to the VM as externally used gas.
#[derive(Default)]
pub struct ChainStorage {
    data: BTreeMap<Vec<u8>, Vec<u8>>,
}

/// CosmWasm gas for `sdk` SDK gas, as the VM counts it.
fn external(sdk: u64) -> GasInfo {
    GasInfo::with_externally_used(sdk * GAS_MULTIPLIER)
}

impl Storage for ChainStorage {
    fn get(&self, key: &[u8]) -> BackendResult<Option<Vec<u8>>> {
        let value = self.data.get(key).cloned();
        let bytes = key.len() + value.as_ref().map_or(0, Vec::len);
        (Ok(value), external(1_000 + 3 * bytes as u64))
    }

    fn set(&mut self, key: &[u8], value: &[u8]) -> BackendResult<()> {
        let gas = external(2_000 + 30 * (key.len() + value.len()) as u64);
        if value.is_empty() {
            return (
                Err(BackendError::unknown("empty values are not stored")),
                gas,
            );
        }
        self.data.insert(key.to_vec(), value.to_vec());
        (Ok(()), gas)
    }

    fn remove(&mut self, key: &[u8]) -> BackendResult<()> {
        self.data.remove(key);
        (Ok(()), external(1_000))
    }
}

/// The gas of one call.
#[derive(Clone, Copy, Debug)]
pub struct Gas {
    /// CosmWasm gas the VM counted: wasm execution, host calls, and storage (converted).
    pub vm: u64,
    /// Bytes of the message (the transaction's payload).
    pub msg_bytes: usize,
}

impl Gas {
    /// The VM's count in SDK gas.
    pub fn vm_sdk(&self) -> u64 {
        self.vm / GAS_MULTIPLIER
    }

    /// What the chain charges the transaction in SDK gas: the VM's count, the call's setup
    /// cost and the message bytes (signatures and fees not included).
    pub fn total_sdk(&self) -> u64 {
        self.vm_sdk() + INSTANCE_COST + TX_BYTE_COST * self.msg_bytes as u64
    }
}

/// A chain with the contract: each call runs in a fresh instance (fresh memory, 32 MiB at
/// most), as a chain runs each transaction.
pub struct Chain {
    wasm: Vec<u8>,
    backend: Option<Backend<MockApi, ChainStorage, MockQuerier>>,
    /// CosmWasm gas each call may use.
    pub gas_limit: u64,
}

/// Why a call failed: the contract's refusal or the VM's error (out of gas, memory, trap).
pub type CallError = String;

impl Chain {
    /// A chain holding `wasm`, with an effectively unlimited gas limit (10^17 CosmWasm gas,
    /// about 714 billion SDK gas): the tests measure, chains' limits are compared in the docs.
    pub fn new(wasm: Vec<u8>) -> Self {
        let mock = mock_backend(&[]);
        Chain {
            wasm,
            backend: Some(Backend {
                api: mock.api,
                storage: ChainStorage::default(),
                querier: mock.querier,
            }),
            gas_limit: 100_000_000_000_000_000,
        }
    }

    fn run<T>(
        &mut self,
        msg_bytes: usize,
        call: impl FnOnce(
            &mut Instance<MockApi, ChainStorage, MockQuerier>,
        ) -> Result<ContractResult<T>, String>,
    ) -> (Result<T, CallError>, Gas) {
        let backend = self
            .backend
            .take()
            .expect("the backend is returned after each call");
        let mut instance = Instance::from_code(
            &self.wasm,
            backend,
            InstanceOptions {
                gas_limit: self.gas_limit,
            },
            Some(Size::mebi(MEMORY_LIMIT_MIB)),
        )
        .expect("the module compiles");
        let result = call(&mut instance);
        let report = instance.create_gas_report();
        self.backend = instance.recycle();
        assert!(
            self.backend.is_some(),
            "the instance gives its backend back"
        );
        let gas = Gas {
            vm: report.limit - report.remaining,
            msg_bytes,
        };
        let result = match result {
            Ok(ContractResult::Ok(v)) => Ok(v),
            Ok(ContractResult::Err(e)) => Err(e),
            Err(e) => Err(format!("VM: {e}")),
        };
        (result, gas)
    }

    /// Instantiates the contract.
    pub fn instantiate(
        &mut self,
        env: &Env,
        info: &MessageInfo,
        msg: &[u8],
    ) -> (Result<Response, CallError>, Gas) {
        self.run(msg.len(), |i| {
            call_instantiate(i, env, info, msg).map_err(|e| e.to_string())
        })
    }

    /// Executes a message.
    pub fn execute(
        &mut self,
        env: &Env,
        info: &MessageInfo,
        msg: &[u8],
    ) -> (Result<Response, CallError>, Gas) {
        self.run(msg.len(), |i| {
            call_execute(i, env, info, msg).map_err(|e| e.to_string())
        })
    }

    /// Queries the contract; the answer's JSON.
    pub fn query(&mut self, env: &Env, msg: &[u8]) -> Result<Vec<u8>, CallError> {
        self.run(msg.len(), |i| {
            call_query(i, env, msg)
                .map(|r| match r {
                    ContractResult::Ok(answer) => ContractResult::Ok(answer.to_vec()),
                    ContractResult::Err(e) => ContractResult::Err(e),
                })
                .map_err(|e| e.to_string())
        })
        .0
    }
}
