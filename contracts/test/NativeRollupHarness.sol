// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {NativeRollup} from "../l1/NativeRollup.sol";
import {Execute} from "../libraries/Execute.sol";

/// @dev Test-only: a NativeRollup whose head and state roots a test can set (to install a state
///      root built off-chain and prove claims against it) and whose EXECUTE is a stand-in that
///      accepts the claimed block hash and reports a chosen burned fee (to test advance's queue
///      checks without the precompile). The stand-in covers this contract's own entry points
///      (`advance`…): the sync ones run in the plain NativeRollupSync extension (docs/contracts.md),
///      which calls the real EXECUTE.
contract NativeRollupHarness is NativeRollup {
    /// @dev Inverted (fails, not ok) so that its zero default, the only one a clone has, is "ok".
    bool public executeFails;
    uint256 public executeBurnedFees;

    constructor(
        uint64 _chainId,
        uint64 _gasLimit,
        bytes32 _genesisHash,
        bytes32 _genesisStateRoot,
        uint64 _genesisTimestamp,
        address _feeRecipient,
        address _retirer
    ) NativeRollup(_chainId, _gasLimit, _genesisHash, _genesisStateRoot, _genesisTimestamp, _feeRecipient, _retirer) {}

    /// @dev Moves the head to `_number` with `_stateRoot`, recorded in the history. The rest of
    ///      the head is the current one's (the genesis's, written out, while the head is lazy).
    function setHead(uint64 _number, bytes32 _stateRoot) external {
        Head memory head_ = _currentHead();
        head_.number = _number;
        head_.stateRoot = _stateRoot;
        _setHead(head_);
    }

    /// @dev What the stand-in EXECUTE answers next.
    function setExecuteResult(bool _ok, uint256 _burnedFees) external {
        executeFails = !_ok;
        executeBurnedFees = _burnedFees;
    }

    function _execute(Execute.Header memory _h, bytes memory, bytes32[] memory, bytes calldata, bytes calldata, uint256)
        internal
        view
        override
        returns (bool ok_, bytes32 blockHash_, uint256 burnedFees_)
    {
        return (!executeFails, _h.blockHash, executeBurnedFees);
    }

    /// @dev Lets a test fund the escrow as if ETH had been deposited earlier.
    receive() external payable {}
}
