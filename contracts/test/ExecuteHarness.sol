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
}
