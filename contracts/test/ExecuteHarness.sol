// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Execute} from "../libraries/Execute.sol";

/// @dev Test-only: exposes the Execute library so tests check the TypeScript codec against it.
contract ExecuteHarness {
    function encodeInput(
        Execute.Header calldata _header,
        bytes calldata _transactions,
        bytes32[] calldata _blobHashes,
        bytes calldata _witness,
        bytes calldata _messages
    ) external pure returns (bytes memory) {
        return Execute.encodeInput(_header, _transactions, _blobHashes, _witness, _messages);
    }

    function execute(
        Execute.Header calldata _header,
        bytes calldata _transactions,
        bytes32[] calldata _blobHashes,
        bytes calldata _witness,
        bytes calldata _messages
    ) external payable returns (bool ok_, bytes32 blockHash_, uint256 burnedFees_) {
        return Execute.execute(_header, _transactions, _blobHashes, _witness, _messages, msg.value);
    }

    /// @dev The market's view, as NativeRollup reads it.
    function market() external view returns (uint256 pricing_, uint256 baseFee_, uint256 usedInBlock_, uint256 limit_) {
        return Execute.market();
    }

    /// @dev Calls EXECUTE with raw bytes, a gas cap and `msg.value` as its fee, to test gas and
    ///      malformed input (a CALL, as the rollup makes it: the market writes its state).
    function executeRaw(bytes calldata _input, uint256 _gas) external payable returns (bool ok_, bytes memory output_, uint256 gasSpent_) {
        uint256 before = gasleft();
        (ok_, output_) = Execute.EXECUTE_ADDRESS.call{gas: _gas, value: msg.value}(_input);
        gasSpent_ = before - gasleft();
    }

    /// @dev Calls EXECUTE twice with the same input in one transaction, half of `msg.value` each,
    ///      and returns the gas each call spent (the market charges a blob once per transaction).
    function executeRawTwice(bytes calldata _input) external payable returns (uint256 first_, uint256 second_) {
        uint256 fee = msg.value / 2;
        uint256 before = gasleft();
        (bool ok,) = Execute.EXECUTE_ADDRESS.call{value: fee}(_input);
        first_ = before - gasleft();
        require(ok, "first call failed");
        before = gasleft();
        (ok,) = Execute.EXECUTE_ADDRESS.call{value: fee}(_input);
        second_ = before - gasleft();
        require(ok, "second call failed");
    }

    /// @dev `Execute.encodeBatch`, to check the TypeScript codec against it.
    function encodeBatch(bytes[] calldata _entries, bytes32[] calldata _blobHashes, uint256 _gasUsed) external pure returns (bytes memory) {
        return Execute.encodeBatch(_entries, _blobHashes, _gasUsed);
    }

    /// @dev Calls EXECUTE with a batch (`msg.value` its fee), then asks `Execute.verdict` for each
    ///      key in the same transaction: what a rollup's `advanceBatched` sees. Returns the call's
    ///      success, its output, the gas it spent, and the verdicts' block hashes and burned fees.
    function executeBatchThenVerdicts(bytes calldata _input, bytes32[] calldata _keys)
        external
        payable
        returns (bool ok_, bytes memory output_, uint256 gasSpent_, bytes32[] memory hashes_, uint256[] memory burned_)
    {
        uint256 before = gasleft();
        (ok_, output_) = Execute.EXECUTE_ADDRESS.call{value: msg.value}(_input);
        gasSpent_ = before - gasleft();
        hashes_ = new bytes32[](_keys.length);
        burned_ = new uint256[](_keys.length);
        for (uint256 i; i < _keys.length; ++i) (hashes_[i], burned_[i]) = Execute.verdict(_keys[i]);
    }

    /// @dev `Execute.verdict` alone (in a transaction of its own: the batch's verdicts are gone).
    function verdict(bytes32 _key) external view returns (bytes32 blockHash_, uint256 burnedFees_) {
        return Execute.verdict(_key);
    }
}
