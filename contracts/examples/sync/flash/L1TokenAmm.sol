// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

interface ISyncBridgedToken {
    function balanceOf(address) external view returns (uint256);
    function transferFrom(address _from, address _to, uint256 _value) external returns (bool);
}

/// @title L1TokenAmm
/// @notice The flash-loan example's pool on L1: TOK in, ETH out, x·y = k with a 0.3% fee, the
///         reserves being its balances. Its TOK price differs from L2's: the arbitrage.
contract L1TokenAmm {
    ISyncBridgedToken public immutable TOKEN;

    /// @dev A sale whose ETH out is below the seller's minimum (or zero), or whose ETH transfer failed.
    error L1TokenAmm_BadSale(uint256 amountIn, uint256 ethOut, uint256 minOut);

    event Sold(address indexed seller, uint256 amountIn, uint256 ethOut);

    constructor(ISyncBridgedToken _token) payable {
        TOKEN = _token;
    }

    /// @notice The ETH `_amountIn` TOK sell for now.
    function quote(uint256 _amountIn) public view returns (uint256) {
        uint256 inAfterFee = _amountIn * 997;
        return (address(this).balance * inAfterFee) / (TOKEN.balanceOf(address(this)) * 1000 + inAfterFee);
    }

    /// @notice Sells `_amountIn` TOK (approved to this pool) for ETH, sent to the seller.
    function sell(uint256 _amountIn, uint256 _minOut) external returns (uint256 ethOut_) {
        ethOut_ = quote(_amountIn);
        require(ethOut_ != 0 && ethOut_ >= _minOut, L1TokenAmm_BadSale(_amountIn, ethOut_, _minOut));
        TOKEN.transferFrom(msg.sender, address(this), _amountIn);
        (bool ok,) = msg.sender.call{value: ethOut_}("");
        require(ok, L1TokenAmm_BadSale(_amountIn, ethOut_, _minOut));
        emit Sold(msg.sender, _amountIn, ethOut_);
    }
}
