//! Governance limits an operator signed for one request (the API's `constraint_signature`): verified with
//! Starknet ECDSA against a configured approver's key, bound to this deployment, to one request and to a
//! nonce used once, fresh, and then enforced in place of the defaults. docs/api.md gives the message layout.

use serde::{Deserialize, Serialize};

use crate::bps::Bps;
use crate::felt::{ContractAddress, Felt, short_string};
use crate::integrity::poseidon_many;
use crate::metrics::{LiquidityTier, MarketSnapshot, Protocol};
use crate::params::GovernancePolicy;

/// An account allowed to sign governance approvals, with its Stark public key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approver {
    /// The account.
    pub address: ContractAddress,
    /// Its public key.
    #[serde(serialize_with = "crate::felt::serialize_hex", deserialize_with = "crate::felt::deserialize_hex")]
    pub public_key: Felt,
}

/// The first felt of every approval message: Cairo short string `starkrisk.approval.v2`, so a signature
/// made for anything else (a transaction, another application's message) never passes as an approval.
pub const APPROVAL_TAG: &str = "starkrisk.approval.v2";

/// Where an approval is valid: one chain and one deployment of the service. A signature meant for staging
/// is refused by production, and one for Sepolia by mainnet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApprovalDomain {
    /// The Starknet chain id (`SN_MAIN`, `SN_SEPOLIA`, … as a short-string felt).
    pub chain_id: Felt,
    /// This deployment's identity (`pipeline.deployment_id`, a short-string felt).
    pub deployment: Felt,
}

/// One approval's single-use identity: a nonce is spent by the first decision it authorises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ApprovalNonce {
    /// Who signed.
    pub signer: ContractAddress,
    /// The nonce they chose.
    #[serde(serialize_with = "crate::felt::serialize_hex", deserialize_with = "crate::felt::deserialize_hex")]
    pub nonce: Felt,
}

/// Signed limits for one allocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GovernanceApproval {
    /// Who signed.
    pub signer: ContractAddress,
    /// No protocol above this share.
    pub max_single: Bps,
    /// Protocols that must get 10 % or more.
    pub min_diversification: u8,
    /// No protocol more volatile than this.
    pub max_volatility: Bps,
    /// The least liquid tier accepted (0 = high … 3 = very low): every protocol's tier must be at most this.
    pub min_liquidity: LiquidityTier,
    /// Signature r.
    pub signature_r: Felt,
    /// Signature s.
    pub signature_s: Felt,
    /// When it was signed, unix seconds.
    pub timestamp: u64,
    /// Chosen by the signer, accepted once per signer.
    pub nonce: Felt,
}

/// Why an approval was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApprovalError {
    /// The signer is not a configured approver.
    #[error("{0} is not a configured governance approver")]
    UnknownSigner(ContractAddress),
    /// The signature does not verify for the signer's key.
    #[error("the constraint signature does not verify for {0}")]
    BadSignature(ContractAddress),
    /// The approval's nonce already authorised a decision.
    #[error(
        "the constraint signature's nonce {:#x} of {} was already used; an approval authorises one request: sign a new one with a fresh nonce",
        .0.nonce, .0.signer
    )]
    Replayed(ApprovalNonce),
    /// Signed too long ago (or in the future).
    #[error(
        "the constraint signature is {age_secs} s old; approvals are valid for {max_age_secs} s and never from the future"
    )]
    Stale {
        /// How old it is (0 when from the future).
        age_secs: u64,
        /// The limit.
        max_age_secs: u64,
    },
    /// The signed limits themselves are not satisfiable.
    #[error("the signed limits are invalid: {0}")]
    InvalidLimits(String),
    /// The request breaks a signed limit on metrics.
    #[error("{protocol} breaks the signed limits: {reason}")]
    MetricsOutsideLimits {
        /// Which protocol.
        protocol: Protocol,
        /// Which limit.
        reason: String,
    },
}

impl GovernanceApproval {
    /// What the approver signs: Poseidon over (tag, chain id, deployment, signer, max_single,
    /// min_diversification, max_volatility, min_liquidity, timestamp, nonce, request digest), where the
    /// request digest is [`crate::DecisionStatement::request_digest`] of the request it approves.
    pub fn message_hash(&self, domain: &ApprovalDomain, request_digest: Felt) -> Felt {
        // The tag is 21 ASCII characters, within a short string's 31, so it always encodes.
        let tag = short_string("tag", APPROVAL_TAG).unwrap_or_default();
        poseidon_many(&[
            tag,
            domain.chain_id,
            domain.deployment,
            self.signer.felt(),
            Felt::from(self.max_single.get()),
            Felt::from(self.min_diversification),
            Felt::from(self.max_volatility.get()),
            Felt::from(self.min_liquidity.get()),
            Felt::from(self.timestamp),
            self.nonce,
            request_digest,
        ])
    }

    /// The nonce this approval spends.
    pub fn spends(&self) -> ApprovalNonce {
        ApprovalNonce { signer: self.signer, nonce: self.nonce }
    }

    /// Checks signer, signature (over `domain` and `request_digest`) and freshness at `now`; returns the
    /// governance policy it grants. Whether the nonce is still unspent is storage's to say.
    pub fn verify(
        &self,
        approvers: &[Approver],
        now: u64,
        max_age_secs: u64,
        domain: &ApprovalDomain,
        request_digest: Felt,
    ) -> Result<GovernancePolicy, ApprovalError> {
        let approver =
            approvers.iter().find(|a| a.address == self.signer).ok_or(ApprovalError::UnknownSigner(self.signer))?;
        let valid = starknet_crypto::verify(
            &approver.public_key,
            &self.message_hash(domain, request_digest),
            &self.signature_r,
            &self.signature_s,
        )
        .unwrap_or(false);
        if !valid {
            return Err(ApprovalError::BadSignature(self.signer));
        }
        if self.timestamp > now || now - self.timestamp > max_age_secs {
            return Err(ApprovalError::Stale { age_secs: now.saturating_sub(self.timestamp), max_age_secs });
        }
        GovernancePolicy::new(self.max_single, self.min_diversification)
            .map_err(|e| ApprovalError::InvalidLimits(e.to_string()))
    }

    /// Checks both protocols' metrics against the signed volatility and liquidity limits.
    pub fn check_metrics(&self, snapshot: &MarketSnapshot) -> Result<(), ApprovalError> {
        for protocol in Protocol::ALL {
            let m = snapshot.metrics(protocol);
            if m.volatility() > self.max_volatility {
                let reason = format!("volatility {} bps above {}", m.volatility().get(), self.max_volatility.get());
                return Err(ApprovalError::MetricsOutsideLimits { protocol, reason });
            }
            if m.liquidity() > self.min_liquidity {
                let reason =
                    format!("liquidity tier {} is worse than {}", m.liquidity().get(), self.min_liquidity.get());
                return Err(ApprovalError::MetricsOutsideLimits { protocol, reason });
            }
        }
        Ok(())
    }
}
