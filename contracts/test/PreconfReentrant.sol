// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @dev Test-only: a contract that says a PreconfRegistry gates it (so the registry calls it from
///      `bundle` or `executeBatch`) and, when called, calls the registry again with the stored
///      calldata, bubbling up its revert: what `PreconfRegistry_NestedBundle` refuses.
contract PreconfReentrant {
    address public immutable PRECONF_REGISTRY;
    bytes private _reentry;

    constructor(address _registry) {
        PRECONF_REGISTRY = _registry;
    }

    function setReentry(bytes calldata _data) external {
        _reentry = _data;
    }

    receive() external payable {}

    fallback() external payable {
        (bool ok, bytes memory returnData) = PRECONF_REGISTRY.call(_reentry);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(returnData, 32), mload(returnData))
            }
        }
    }
}
