// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @dev Test-only: deployed ON an L2 (test/engine/nested.test.ts), calls EXECUTE at 0x…0101 with a
///      child rollup's (L3) block input carried in its own calldata, and stores the verdict, so
///      the L2 block's post-state commits to it and L1's EXECUTE of the L2 block checks it.
contract NestedExecuteProbe {
    address internal constant EXECUTE_ADDRESS = address(0x0101);

    /// @dev Emitted by `record` with EXECUTE's output when it accepted the block.
    event ChildBlockVerified(bytes32 indexed blockHash, uint256 burnedFees);

    /// @dev 0 before any call, 1 when the last `verify`/`record` saw EXECUTE accept, 2 when it failed.
    uint256 public verdict;
    /// @dev `record` only: EXECUTE's output words of the last accepted block.
    bytes32 public blockHash;
    uint256 public burnedFees;

    /// @dev Calls EXECUTE with `_gas` and stores the verdict. Copies no return data, and stores a
    ///      non-zero value either way without a branch, so success and failure cost the caller the same gas when
    ///      `_gas` is EXECUTE's exact price (a failing precompile consumes all it was given).
    function verify(bytes calldata _input, uint256 _gas) external {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            calldatacopy(ptr, _input.offset, _input.length)
            // Branch-free (1 accepted, 2 failed): both outcomes run the same opcodes.
            sstore(verdict.slot, sub(2, staticcall(_gas, 0x0101, ptr, _input.length, 0, 0)))
        }
    }

    /// @dev Calls EXECUTE with all the gas it can, stores the verdict and, on success, the output.
    function record(bytes calldata _input) external {
        (bool ok, bytes memory output) = EXECUTE_ADDRESS.staticcall(_input);
        verdict = ok ? 1 : 2;
        if (ok) {
            (blockHash, burnedFees) = abi.decode(output, (bytes32, uint256));
            emit ChildBlockVerified(blockHash, burnedFees);
        }
    }
}
