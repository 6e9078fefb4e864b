// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {INativeRollup} from "../interfaces/INativeRollup.sol";
import {Execute} from "../libraries/Execute.sol";

/// @title RollupBundler
/// @notice Makes several calls in one L1 transaction, all or nothing (docs/rollups.md, "Bundles"):
///         several rollups advance together, and since L1 verifies every block in the transaction
///         that sequences it, a bundle whose blocks all verify lands whole and any failure undoes
///         it whole. `assertStorage` lets a bundle end with a condition on a rollup's new state.
/// @dev Stateless and permissionless. The calls are made from this contract: a rollup sees the
///      bundler as `msg.sender` (BlockAdvanced's `proposer`), so anything that pays or credits the
///      caller on L1 does not belong in a bundle. It holds no ETH: the value of the calls (EXECUTE's
///      fees, docs/execute.md "Gas market") is exactly the bundle's `msg.value`.
contract RollupBundler {
    /// @notice One call of a bundle.
    struct Call {
        address target;
        bytes data;
        /// @dev The call's value (an advance's EXECUTE fee), out of the bundle's `msg.value`.
        uint256 value;
    }

    /// @dev Call `index` reverted (`returnData` is its revert data), so the whole bundle did.
    error RollupBundler_CallFailed(uint256 index, bytes returnData);
    /// @dev Call `index` targets an address without code: the call would "succeed" doing nothing.
    error RollupBundler_NoCode(uint256 index, address target);
    /// @dev The slot `slot` of L2 account `account` on `rollup` holds `actual`, not `expected`.
    error RollupBundler_AssertionFailed(address rollup, address account, bytes32 slot, bytes32 expected, bytes32 actual);
    /// @dev The calls' values add up to `total`, not to the bundle's `value`.
    error RollupBundler_ValueMismatch(uint256 total, uint256 value);

    /// @dev The batch's EXECUTE call failed (malformed, refused by the market, out of gas), or
    ///      answered `length` bytes where `calls` entries need 64 each.
    error RollupBundler_BatchFailed(uint256 calls, uint256 length);
    /// @dev A call of `executeBatch` carries value; the batch's fee is the whole `msg.value`.
    error RollupBundler_BatchCallValue(uint256 index, uint256 value);

    /// @dev EXECUTE rejected entry `index` of the batch (the block call `index` would commit).
    error RollupBundler_EntryRejected(uint256 index, address target);

    /// @notice One EXECUTE call over k blocks, then k calls (docs/shared-advances.md, "One EXECUTE
    ///         call"): `_input` is a batch (`Execute.encodeBatch`) whose entry i is the block call i
    ///         commits (a rollup's `advanceBatched`, which finds EXECUTE's verdict on its own input
    ///         by itself: this contract is trusted with nothing). `msg.value` pays EXECUTE's fee for
    ///         every block. All or nothing, as `bundle`: an entry EXECUTE rejected reverts
    ///         everything (`RollupBundler_EntryRejected`), as does any failing call
    ///         (`RollupBundler_CallFailed`) or a failed EXECUTE call (`RollupBundler_BatchFailed`).
    ///         (EXECUTE gives each entry its own verdict; a caller that would rather land the
    ///         others could skip the rejected ones. The SDK's proposer isolates a failing leg by
    ///         EXECUTE's verdict log and re-sends the others, as for `bundle`.)
    /// @return results_ The return data of each call.
    function executeBatch(bytes calldata _input, Call[] calldata _calls) external payable returns (bytes[] memory results_) {
        (bool ok, bytes memory output) = Execute.executeBatch(_input, _calls.length, msg.value);
        require(ok, RollupBundler_BatchFailed(_calls.length, output.length));
        results_ = new bytes[](_calls.length);
        for (uint256 i; i < _calls.length; ++i) {
            require(_calls[i].value == 0, RollupBundler_BatchCallValue(i, _calls[i].value));
            address target = _calls[i].target;
            require(Execute.batchAccepted(output, i), RollupBundler_EntryRejected(i, target));
            require(target.code.length != 0, RollupBundler_NoCode(i, target));
            (bool success, bytes memory returnData) = target.call(_calls[i].data);
            require(success, RollupBundler_CallFailed(i, returnData));
            results_[i] = returnData;
        }
    }

    /// @notice Makes each call in order; reverts with `RollupBundler_CallFailed(index, returnData)`
    ///         at the first that fails, undoing every call before it. The calls' values must add
    ///         up to `msg.value` (`RollupBundler_ValueMismatch`).
    /// @return results_ The return data of each call.
    function bundle(Call[] calldata _calls) external payable returns (bytes[] memory results_) {
        results_ = new bytes[](_calls.length);
        uint256 total;
        for (uint256 i; i < _calls.length; ++i) total += _calls[i].value;
        require(total == msg.value, RollupBundler_ValueMismatch(total, msg.value));
        for (uint256 i; i < _calls.length; ++i) {
            address target = _calls[i].target;
            // A typo'd target (an EOA) would return success: catch it. The account is warm afterwards.
            require(target.code.length != 0, RollupBundler_NoCode(i, target));
            (bool ok, bytes memory returnData) = target.call{value: _calls[i].value}(_calls[i].data);
            require(ok, RollupBundler_CallFailed(i, returnData));
            results_[i] = returnData;
        }
    }

    /// @notice Reverts with `RollupBundler_AssertionFailed` unless storage slot `_slot` of L2 account
    ///         `_account` holds `_expected` in the state of `_rollup`'s verified L2 block
    ///         `_l2BlockNumber`, as proven by `eth_getProof`-style proofs (`NativeRollup.storageAt`).
    ///         Bad proofs revert with the rollup's errors. As the last call of a bundle, it makes a
    ///         cross-rollup action all-or-nothing.
    function assertStorage(
        address _rollup,
        uint256 _l2BlockNumber,
        address _account,
        bytes32 _slot,
        bytes32 _expected,
        bytes[] calldata _accountProof,
        bytes[] calldata _storageProof
    ) external view {
        bytes32 actual = INativeRollup(_rollup).storageAt(_l2BlockNumber, _account, _slot, _accountProof, _storageProof);
        require(actual == _expected, RollupBundler_AssertionFailed(_rollup, _account, _slot, _expected, actual));
    }
}
