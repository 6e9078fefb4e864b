// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @dev Test-only: tries to make a rollup accept a verdict EXECUTE never gave. It calls the
///      emulation's oracle directly with a batch (which answers the verdicts but is not EXECUTE:
///      nothing is remembered), then the rollup's `advanceBatched`, in one transaction.
contract VerdictForger {

    function callThenAdvance(address _oracle, bytes calldata _batch, address _rollup, bytes calldata _advance) external {
        (bool answered,) = _oracle.call(_batch);
        answered; // whatever the oracle says, the rollup must not take it
        (bool ok, bytes memory returnData) = _rollup.call(_advance);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(returnData, 32), mload(returnData))
            }
        }
    }
}
