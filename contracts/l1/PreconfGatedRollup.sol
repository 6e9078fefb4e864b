// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IPreconfRegistry, IPreconfGated} from "../interfaces/IPreconfRegistry.sol";
import {NativeRollupCore} from "./NativeRollup.sol";
import {NativeRollupSync} from "./NativeRollupSync.sol";

/// @title PreconfGatedRollup
/// @notice A NativeRollup whose `advance` (and `advanceWithBlobs`, `syncExecute`) only the
///         current slot's preconfirmation operator may call in a gated slot; anyone in an open
///         slot (docs/preconf.md). Everything else is NativeRollup's.
/// @dev The registry is an immutable of the code, so both forms get it: a direct deployment, and
///      clones of a chain-id-0 implementation made by a RollupFactory built on it (all of that
///      factory's rollups then share the registry). Ungated rollups are plain NativeRollups.
///      The sync entry points verify their block in the extension (docs/contracts.md), so the
///      extension is gated the same way: a {PreconfGatedRollupSync} on the same registry.
contract PreconfGatedRollup is NativeRollupCore, IPreconfGated {
    /// @inheritdoc IPreconfGated
    address public immutable PRECONF_REGISTRY;

    /// @param _registry The PreconfRegistry whose lookahead gates `advance`.
    /// @dev The other parameters are NativeRollup's.
    constructor(
        address _registry,
        uint64 _chainId,
        uint64 _gasLimit,
        bytes32 _genesisHash,
        bytes32 _genesisStateRoot,
        uint64 _genesisTimestamp,
        address _feeRecipient,
        address _retirer
    )
        NativeRollupCore(
            _chainId,
            _gasLimit,
            _genesisHash,
            _genesisStateRoot,
            _genesisTimestamp,
            _feeRecipient,
            _retirer,
            address(
                new PreconfGatedRollupSync(
                    _registry, address(this), _chainId, _gasLimit, _genesisHash, _genesisStateRoot, _genesisTimestamp, _feeRecipient, _retirer
                )
            )
        )
    {
        PRECONF_REGISTRY = _registry;
    }

    /// @dev Reverts `PreconfRegistry_NotSlotOperator(proposer, operator, slot)` in another's slot.
    function _checkProposer() internal view override {
        IPreconfRegistry(PRECONF_REGISTRY).checkProposer(msg.sender);
    }
}

/// @title PreconfGatedRollupSync
/// @notice The sync extension of a {PreconfGatedRollup}: NativeRollupSync with the same gate.
contract PreconfGatedRollupSync is NativeRollupSync {
    /// @dev The gating rollup's registry.
    address private immutable _PRECONF_REGISTRY;

    /// @param _registry The rollup's PreconfRegistry.
    /// @dev The other parameters are NativeRollupSync's.
    constructor(
        address _registry,
        address _rollup,
        uint64 _chainId,
        uint64 _gasLimit,
        bytes32 _genesisHash,
        bytes32 _genesisStateRoot,
        uint64 _genesisTimestamp,
        address _feeRecipient,
        address _retirer
    ) NativeRollupSync(_rollup, _chainId, _gasLimit, _genesisHash, _genesisStateRoot, _genesisTimestamp, _feeRecipient, _retirer) {
        _PRECONF_REGISTRY = _registry;
    }

    /// @dev As PreconfGatedRollup's: the sync entry points' blocks are gated like `advance`'s.
    function _checkProposer() internal view override {
        IPreconfRegistry(_PRECONF_REGISTRY).checkProposer(msg.sender);
    }
}
