// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {NativeRollup} from "../l1/NativeRollup.sol";
import {Execute} from "../libraries/Execute.sol";

/// @dev Test-only: a NativeRollup whose head and state roots a test can set (to install a state
///      root built off-chain and prove claims against it) and whose EXECUTE is a stand-in that
///      accepts the claimed block hash and reports a chosen burned fee (to test advance's queue
///      checks without the precompile).
contract NativeRollupHarness is NativeRollup {
    bool public executeOk = true;
    uint256 public executeBurnedFees;

    constructor(
        uint64 _chainId,
        uint64 _gasLimit,
        bytes32 _genesisHash,
        bytes32 _genesisStateRoot,
        uint64 _genesisTimestamp,
        address _feeRecipient
    ) NativeRollup(_chainId, _gasLimit, _genesisHash, _genesisStateRoot, _genesisTimestamp, _feeRecipient) {}

    /// @dev Moves the head to `_number` with `_stateRoot`, recorded in the history.
    function setHead(uint64 _number, bytes32 _stateRoot) external {
        _head.number = _number;
        _head.stateRoot = _stateRoot;
        _stateRoots[_number % STATE_ROOT_HISTORY] = _stateRoot;
    }

    /// @dev What the stand-in EXECUTE answers next.
    function setExecuteResult(bool _ok, uint256 _burnedFees) external {
        executeOk = _ok;
        executeBurnedFees = _burnedFees;
    }

    function _execute(Execute.Header memory _h, bytes memory, bytes32[] memory, bytes calldata, bytes calldata)
        internal
        view
        override
        returns (bool ok_, bytes32 blockHash_, uint256 burnedFees_)
    {
        return (executeOk, _h.blockHash, executeBurnedFees);
    }

    /// @dev Lets a test fund the escrow as if ETH had been deposited earlier.
    receive() external payable {}
}
