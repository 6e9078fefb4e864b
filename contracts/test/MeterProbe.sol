// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @dev Test-only: the gas shapes the verifier's gas meter must measure right (test/engine/
///      build-execute.property.test.ts): refunds at their 1/5 cap, value calls (the 2,300
///      stipend) into EOAs, contracts and precompiles, calls that fail before their frame,
///      CREATE/CREATE2, SELFDESTRUCT, reverts and out-of-gas.
contract MeterProbe {
    /// @dev Emitted by `receive` when it does work (odd values).
    event Received(address indexed from, uint256 value, uint256 count);

    mapping(uint256 => uint256) private scratch;
    uint256 public deposits;

    /// @dev Odd values do work (a storage write and a log: more than a stipend can pay for);
    ///      even values do none (a stipend is enough).
    receive() external payable {
        if (msg.value % 2 == 1) {
            deposits += 1;
            emit Received(msg.sender, msg.value, deposits);
        }
    }

    /// @dev Sets `_n` fresh slots and clears them again (EIP-2200: most of it comes back as a
    ///      refund, so the refund reaches its 1/5 cap), then pays `msg.value` to `_to` with
    ///      `transfer`: a value CALL with the bare 2,300 stipend as the transaction's last act.
    function cycle(uint256 _n, address payable _to) external payable {
        for (uint256 i = 0; i < _n; ++i) {
            scratch[i] = 1;
            scratch[i] = 0;
        }
        _to.transfer(msg.value);
    }

    /// @dev Forwards `msg.value` to `_to` with all the gas (a value CALL whose callee may work).
    function forward(address _to) external payable {
        (bool ok, ) = _to.call{value: msg.value}("");
        require(ok, "forward failed");
    }

    /// @dev A value call to the identity precompile (0x04): stipend plus a precompile frame.
    function callPrecompileWithValue(bytes calldata _data) external payable returns (bytes memory out) {
        (bool ok, bytes memory ret) = address(4).call{value: msg.value}(_data);
        require(ok, "identity failed");
        out = ret;
    }

    /// @dev A value call for more than this contract holds: it fails before any frame starts
    ///      (the stipend is credited back to this frame), and the call returns false.
    function callBeyondBalance(address _to) external returns (bool ok) {
        (ok, ) = _to.call{value: address(this).balance + 1}("");
    }

    /// @dev CREATE of `_code` (init code) with `msg.value`; reverts if the creation failed.
    function create(bytes calldata _code) external payable returns (address created) {
        bytes memory code = _code;
        assembly {
            created := create(callvalue(), add(code, 32), mload(code))
        }
        require(created != address(0), "create failed");
    }

    /// @dev CREATE2 of `_code` with `_salt` and `msg.value`; reverts if the creation failed.
    function create2(bytes calldata _code, bytes32 _salt) external payable returns (address created) {
        bytes memory code = _code;
        assembly {
            created := create2(callvalue(), add(code, 32), mload(code), _salt)
        }
        require(created != address(0), "create2 failed");
    }

    /// @dev SELFDESTRUCT of this contract's balance to `_to` (Cancun: the account stays).
    function destroy(address payable _to) external {
        selfdestruct(_to);
    }

    /// @dev Writes, then reverts: the write is undone, its gas is not.
    function fail(uint256 _n) external {
        for (uint256 i = 0; i < _n; ++i) scratch[i] = i + 1;
        revert("MeterProbe: fail");
    }

    /// @dev Runs out of gas (a halted frame consumes all its gas).
    function burn() external pure returns (uint256 acc) {
        while (true) acc = uint256(keccak256(abi.encode(acc)));
    }
}

/// @dev Init code target: a contract whose constructor SELFDESTRUCTs to `_to`, so (EIP-6780)
///      it is created and deleted in the same transaction.
contract Ephemeral {
    constructor(address payable _to) payable {
        selfdestruct(_to);
    }
}
