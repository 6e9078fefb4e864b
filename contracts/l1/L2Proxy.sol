// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {INativeRollup} from "../interfaces/INativeRollup.sol";

/// @title L2Proxy
/// @notice The L1 stand-in of one L2 contract (docs/sync.md): calling it during a rollup's
///         `syncExecute` makes the same call on L2, in the L2 block that transaction verifies,
///         and returns what the L2 call returned (or reverts with its revert data).
/// @dev Made by the rollup with CREATE2 (salt: the L2 address), so its address is fixed per
///      (rollup, L2 address): `NativeRollup.l2Proxy(l2Address)`. It has no function of its own —
///      every selector is the L2 contract's — and keeps nothing: the rollup checks the call against
///      the execution table and answers it. Call it with CALL, not STATICCALL (a `view` interface on
///      L1): consuming a table entry writes (transient) state.
contract L2Proxy {
    /// @dev The rollup that made this proxy (a constructor-set immutable: the init code, and so
    ///      the CREATE2 address, does not depend on it).
    address private immutable _ROLLUP = msg.sender;

    /// @notice Forwards `msg.data` and `msg.value` with the caller to the rollup's `syncProxyCall`
    ///         and mirrors the L2 call's outcome: its return data, or a revert with its revert data.
    ///         A revert of the rollup itself (a call the table does not hold) is passed through.
    fallback() external payable {
        bytes memory request = abi.encodeCall(INativeRollup.syncProxyCall, (msg.sender, msg.data));
        (bool ok, bytes memory response) = _ROLLUP.call{value: msg.value}(request);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(response, 0x20), mload(response))
            }
        }
        (bool success, bytes memory returnData) = abi.decode(response, (bool, bytes));
        assembly ("memory-safe") {
            if success { return(add(returnData, 0x20), mload(returnData)) }
            revert(add(returnData, 0x20), mload(returnData))
        }
    }
}
