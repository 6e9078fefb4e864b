// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @dev What a borrower implements.
interface IFlashBorrower {
    function onFlashLoan(uint256 _amount, uint256 _fee, bytes calldata _data) external;
}

/// @title FlashLender
/// @notice An L1 ETH flash lender for the example: lends `amount` for the length of one call and
///         requires it back with a fee (0.1%) before the call returns.
contract FlashLender {
    /// @notice The fee, in tenths of a percent of the amount.
    uint256 public constant FEE_PER_MILLE = 1;

    /// @dev The borrower returned less than amount + fee.
    error FlashLender_NotRepaid(uint256 owed, uint256 repaid);

    event FlashLoan(address indexed borrower, uint256 amount, uint256 fee);

    receive() external payable {}

    /// @notice Sends `_amount` to the caller, calls its `onFlashLoan`, and requires the balance back plus the fee.
    function flashLoan(uint256 _amount, bytes calldata _data) external {
        uint256 before = address(this).balance;
        uint256 fee = (_amount * FEE_PER_MILLE) / 1000;
        (bool ok,) = msg.sender.call{value: _amount}("");
        require(ok, FlashLender_NotRepaid(before + fee, 0));
        IFlashBorrower(msg.sender).onFlashLoan(_amount, fee, _data);
        require(address(this).balance >= before + fee, FlashLender_NotRepaid(before + fee, address(this).balance + _amount - before));
        emit FlashLoan(msg.sender, _amount, fee);
    }
}
